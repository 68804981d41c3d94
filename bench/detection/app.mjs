// The detection benchmark's tiny app: answers GET requests after a log-normal time (median MEDIAN_MS, spread SIGMA,
// scaled by FACTOR and shifted by ADD_MS: the injected latency regression) and with a 500 at ERROR_RATE. Every
// answer carries X-Version. Listens on 127.0.0.1, port 0, and prints `listening on 127.0.0.1:PORT`.
// Usage: node bench/detection/app.mjs   (settings from the environment)
import { createServer } from 'node:http';

const number = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0, got ${process.env[name]}`);
  return value;
};
const version = process.env.VERSION ?? 'dev';
const errorRate = number('ERROR_RATE', 0);
const medianMs = number('MEDIAN_MS', 20);
const sigma = number('SIGMA', 0.5);
const factor = number('FACTOR', 1);
const addMs = number('ADD_MS', 0);

function latency() {
  const u = 1 - Math.random();
  const v = Math.random();
  return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)) * factor + addMs;
}

const server = createServer((req, res) => {
  req.resume();
  const status = req.url === '/health' || Math.random() >= errorRate ? 200 : 500;
  const answer = () => {
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': 3, 'x-version': version });
    res.end(status === 200 ? 'ok\n' : 'no\n');
  };
  if (req.url === '/health') answer();
  else setTimeout(answer, latency());
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
