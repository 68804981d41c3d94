// The same load on node:http's keep-alive Agent, for the generator benchmark's "is the raw-socket client worth it"
// row: CONNECTIONS loops, each sending its next GET as soon as the previous answer ended. Plain node:http on
// purpose (not src/load, which runs on raw sockets). Prints one JSON line: { rps, failed }.
// Usage: npx tsx bench/generator/node-http-client.ts URL CONNECTIONS SECONDS
import { Agent, get } from 'node:http';

const [url = '', connections = '10', seconds = '5'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const endAt = performance.now() + Number(seconds) * 1_000;
let requests = 0;
let failed = 0;
const once = () =>
  new Promise<boolean>((resolve) => {
    const req = get(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
const started = performance.now();
await Promise.all(
  Array.from({ length: Number(connections) }, async () => {
    while (performance.now() < endAt) {
      if (!(await once())) failed++;
      requests++;
    }
  }),
);
agent.destroy();
process.stdout.write(`${JSON.stringify({ rps: requests / ((performance.now() - started) / 1_000), failed })}\n`);
