/** `target:` where versions run and how traffic is split between them. */
import { z } from 'zod';
import { HEADER_NAME } from '../../shared/value-schemas.js';
import { durationMs } from '../../shared/units-schema.js';
import { commandTarget } from './command-target.js';
import { commandLine, countInt, envMap, listenAddress, positiveInt } from './common.js';
import { kubernetesTarget } from './kubernetes-target.js';

export const DEFAULT_READY_TIMEOUT = '30s';
export const DEFAULT_READY_PROBE_TIMEOUT = '5s';
export const DEFAULT_DRAIN = '10s';
/** More instances than this per version is a mistake on one machine, not a plan. */
export const MAX_INSTANCES = 64;

const readySchema = z
  .strictObject({
    path: z.string().startsWith('/', { error: 'expected a path starting with /' }).optional().describe('HTTP path that answers 2xx once an instance is ready; without it, readiness is an open TCP port.'),
    timeout: durationMs('How long an instance may take to become ready before the version is marked failed.').prefault(DEFAULT_READY_TIMEOUT),
    interval: durationMs('How often readiness is probed.').prefault('250ms'),
    probeTimeout: durationMs('How long one readiness probe may wait for an answer (a slow `/health` is still an answer).').prefault(DEFAULT_READY_PROBE_TIMEOUT),
  })
  .describe('When an instance may receive traffic.');

const restartSchema = z
  .strictObject({
    delay: durationMs('Wait before restarting a crashed instance.').prefault('5s'),
    maxAttempts: countInt('Restarts allowed within `window`; past that the version is marked failed.').default(3),
    window: durationMs('Window over which restarts are counted.').prefault('120s'),
  })
  .describe('What happens when an instance exits on its own.');

const localProcessFields = {
  start: commandLine('Command that starts one instance; `{port}` is the port glidepath allocated to it, `{version}` the version.'),
  shell: z.boolean().default(false).describe('Run `start` through /bin/sh instead of splitting it into argv.'),
  cwd: z.string().optional().describe('Working directory of each instance, relative to the plan; may use `{version}`.'),
  env: envMap('Environment of each instance; values may use `{version}` and `{port}`.').default({}),
  instances: positiveInt(`Instances of each version, at most ${MAX_INSTANCES}.`).max(MAX_INSTANCES, { error: `expected at most ${MAX_INSTANCES} instances` }).default(1),
  ready: readySchema.prefault({}),
  restart: restartSchema.prefault({}),
  drain: durationMs('How long in-flight requests may take to finish before a version is stopped.').prefault(DEFAULT_DRAIN),
};

const processTarget = z
  .strictObject({
    type: z.literal('process').describe('Local processes behind glidepath\'s built-in proxy (the default).'),
    listen: listenAddress('The service\'s public address: the built-in proxy listens here.'),
    ...localProcessFields,
    sticky: z
      .string()
      .regex(/^(none|cookie|header:[A-Za-z0-9-]+)$/, { error: 'expected none, cookie or header:<Name>' })
      .default('none')
      .describe('Keep a user on one version during a release: `none`, `cookie`, or `header:X-User-Id`.'),
    versionHeader: z.string().regex(HEADER_NAME, { error: 'expected a header name of letters, digits and -' }).optional().describe('Response header that names the version that served, e.g. `X-Glidepath-Version`; off when unset.'),
    accessLog: z
      .strictObject({
        path: z.string().min(1).describe('File the proxy appends one line per request to, relative to the plan.'),
        format: z
          .enum(['combined', 'json'])
          .default('combined')
          .describe("`combined`: nginx's combined format (bytes sent include the head) plus request time in seconds, version and upstream; `json`: one JSON object per line. Default: combined."),
      })
      .optional()
      .describe('An access log of the built-in proxy; off when unset.'),
  })
  .describe('Run versions as local processes and split traffic with the built-in proxy.');

/** An upstream server: `host:port` (a name or IPv4 address), or `[v6]:port`. */
const upstreamServer = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9{}][A-Za-z0-9.{}_-]*):(\d{1,5}|\{[a-z]+\})$/, { error: 'expected host:port' })
  .describe('An upstream server, `host:port`.');

const nginxTarget = z
  .strictObject({
    type: z.literal('nginx').describe('Versions behind an nginx that glidepath reconfigures: processes on this machine, or servers elsewhere.'),
    listen: listenAddress("The address nginx serves the service on (`{service_url}`): the `listen` of the server block glidepath renders."),
    config: z.string().min(1).describe('The file glidepath owns and rewrites (upstreams, the split, the server block, its log format), relative to the plan; include it from the `http` block of nginx.conf.'),
    test: commandLine('Command that checks the configuration with the new file in place; on failure the previous file is put back.').default('nginx -t'),
    reload: commandLine('Command that makes nginx load the new configuration gracefully (old workers finish their requests).').default('nginx -s reload'),
    ...localProcessFields,
    accessLog: z.string().min(1).optional().describe("File nginx writes the service's requests to, in glidepath's log format, read for the built-in metrics; relative to the plan. Default: `.glidepath/nginx-access.log`."),
    sticky: z
      .string()
      .regex(/^(none|cookie|cookie:[A-Za-z0-9_]+)$/, { error: 'expected none, cookie or cookie:<name>' })
      .default('none')
      .describe('Keep a user on one version and one server: `none`, `cookie` (a cookie nginx sets), or `cookie:<name>` (hash an existing cookie, `hash $cookie_<name> consistent`).'),
    clientKeepalive: z
      .boolean()
      .default(true)
      .describe("Keep clients' connections open between requests (nginx's default). A reload closes idle ones, and a client that sends on one at that moment sees a reset unless it retries; `false` closes each after its answer, so no request fails across reloads, at the cost of a connection per request."),
    start: commandLine('Command that starts one instance on this machine; `{port}` is the port glidepath allocated to it, `{version}` the version. Without it, versions run on `servers`.').optional(),
    servers: z
      .union([z.array(upstreamServer).min(1), z.record(z.string(), z.array(upstreamServer).min(1))])
      .optional()
      .describe('Where versions run elsewhere, instead of `start`: a list of `host:port` that may use `{version}` (e.g. `app-{version}.internal:8080`), or a map of version to its `host:port` list.'),
    deploy: commandLine('With `servers`: command that deploys a version elsewhere before its servers are probed; `{version}`.').optional(),
    remove: commandLine('With `servers`: command that removes a version that gets no traffic; `{version}`.').optional(),
  })
  .superRefine((target, ctx) => {
    if ((target.start === undefined) === (target.servers === undefined)) ctx.addIssue({ code: 'custom', message: 'expected exactly one of start (processes on this machine) or servers (elsewhere)' });
    if (target.start !== undefined && (target.deploy !== undefined || target.remove !== undefined)) ctx.addIssue({ code: 'custom', message: 'deploy and remove go with servers, not start' });
  })
  .describe('Run versions as local processes or on servers elsewhere, and split traffic with nginx.');

export const targetSchema = z
  .discriminatedUnion('type', [processTarget, nginxTarget, kubernetesTarget, commandTarget], {
    error: 'expected type: process, nginx, kubernetes or command',
  })
  .describe('Where versions run and how traffic is split.');

/** `target:` as validated, any type. */
export type TargetConfig = z.output<typeof targetSchema>;
/** A `target:` of type process as validated. */
export type ProcessTargetConfig = z.output<typeof processTarget>;
/** A `target:` of type nginx as validated. */
export type NginxTargetConfig = z.output<typeof nginxTarget>;
