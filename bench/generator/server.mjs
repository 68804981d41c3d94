// The server every generator loads in bench/generator: node:http, a small fixed body, keep-alive.
// Run: node bench/generator/server.mjs PORT; prints "listening PORT" once ready.
import { createServer } from 'node:http';

const body = Buffer.from('{"ok":true}');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
