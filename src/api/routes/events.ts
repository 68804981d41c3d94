/** Server-sent events: the recorded backlog after the client's last event, then live events as they happen. */
import type { FastifyInstance } from 'fastify';
import type { StoredEvent } from '../../store/index.js';
import type { ApiDeps } from '../api-deps.js';
import { storedEventSchema } from '../schemas/releases.js';
import { routeOptions } from '../../shared/route-spec.js';

const HEARTBEAT_MS = 15_000;
const BACKLOG_LIMIT = 1000;

interface EventsQuery {
  release?: string;
  after?: number;
}

/** Registers the server-sent event stream, resumable with Last-Event-ID. */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  // Streams stay open until the client leaves; a daemon that stops ends them, or closing the server would wait on them.
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of open) end();
    done();
  });

  app.get<{ Querystring: EventsQuery }>(
    '/v1/events',
    routeOptions({
      operationId: 'streamEvents',
      access: 'read',
      summary: 'Recorded events as server-sent events, then live ones',
      description:
        'Each event is `id: SEQ`, `event: TYPE`, `data: JSON` (the stored event). A client that reconnects with the ' +
        '`Last-Event-ID` header (or ?after=SEQ) gets every event after that one, then live ones; ?release=ID gives that ' +
        "release's events from its first. Comment lines keep the stream alive every 15 s.",
      tags: ['events'],
      querystring: { type: 'object', properties: { release: { type: 'string', minLength: 1, maxLength: 128 }, after: { type: 'integer', minimum: 0 } }, additionalProperties: false },
      headers: { type: 'object', properties: { 'last-event-id': { type: 'string', description: 'the id (seq) of the last event received; takes precedence over ?after' } } },
      ok: { 200: { description: 'A stream of server-sent events; each `data:` is one stored event.', contentType: 'text/event-stream', schema: { type: 'string', 'x-event-data': storedEventSchema } } },
    }),
    async (request, reply) => {
      const lastId = Number(request.headers['last-event-id']);
      let after = Number.isInteger(lastId) && lastId >= 0 ? lastId : (request.query.after ?? undefined);
      const wanted = (event: StoredEvent) =>
        event.service === deps.service && (request.query.release === undefined || event.releaseId === request.query.release);

      // Subscribe before reading the backlog, so nothing recorded in between is missed; seq drops duplicates.
      const pending: StoredEvent[] = [];
      let live = false;
      const send = (event: StoredEvent) => {
        if (after !== undefined && event.seq <= after) return;
        after = event.seq;
        reply.raw.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
      };
      const unsubscribe = deps.subscribe((event) => {
        if (!wanted(event)) return;
        if (live) send(event);
        else pending.push(event);
      });

      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      reply.raw.write(': glidepath events\n\n');
      const heartbeat = setInterval(() => reply.raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        close();
        reply.raw.end();
      };
      open.add(end);
      request.raw.once('close', close);
      try {
        if (after !== undefined || request.query.release !== undefined) {
          const backlog = await deps.store.events.list({
            service: deps.service,
            releaseId: request.query.release,
            afterSeq: after,
            limit: BACKLOG_LIMIT,
          });
          backlog.forEach(send);
        }
      } finally {
        live = true;
        pending.forEach(send);
        pending.length = 0;
      }
    },
  );
}
