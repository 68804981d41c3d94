// The same load on node:http's keep-alive Agent (the repository's steady load, no gap between requests), for the
// generator benchmark's "is the raw-socket client worth it" row. Prints one JSON line: { rps, failed }.
// Usage: npx tsx bench/generator/node-http-client.ts URL CONNECTIONS SECONDS
import { Load } from '../../src/load/steady-load.js';

const [url = '', connections = '10', seconds = '5'] = process.argv.slice(2);
const load = Load.start({ url, clients: Number(connections), gapMs: 0, maxSeconds: Number(seconds) + 60 });
await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1_000));
const report = await load.stop();
process.stdout.write(`${JSON.stringify({ rps: report.requests / report.seconds, failed: report.failed })}\n`);
