import { describe, expect, test } from 'vitest';
import { ForwardedFields, clientResponseBytes, clientResponseHead, upstreamRequestHead } from './forward-head.js';
import { HeadError } from './header-fields.js';
import { parseRequestHead, type RequestHead } from './request-head.js';
import { parseResponseHead, type ResponseHead } from './response-head.js';

const fwd = new ForwardedFields({ address: '10.1.2.3', proto: 'http', listenHost: 'proxy.test' });

function request(text: string): RequestHead {
  const head = parseRequestHead(text);
  if (head instanceof HeadError) throw new Error(head.reason);
  return head;
}

function response(text: string): ResponseHead {
  const head = parseResponseHead(text, false);
  if (head instanceof HeadError) throw new Error(head.reason);
  return head;
}

describe('upstreamRequestHead', () => {
  test('copies the fields that go on as they came, in order, and sets what the proxy owns', () => {
    const head = request(
      'POST /x HTTP/1.1\r\nHost: a.test\r\nX-Case: Kept As Is\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n' +
        'Content-Length: 3\r\nContent-Length: 3\r\nX-Forwarded-For: 9.9.9.9\r\naccept:  */*\r\n\r\n',
    );
    expect(upstreamRequestHead(head, fwd, 'up:1')).toBe(
      'POST /x HTTP/1.1\r\nHost: a.test\r\nX-Case: Kept As Is\r\nContent-Length: 3\r\naccept:  */*\r\n' +
        'X-Forwarded-For: 9.9.9.9, 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: a.test\r\n\r\n',
    );
  });

  test('an absolute-form request goes on in origin form, its Host replaced by the target authority', () => {
    expect(upstreamRequestHead(request('GET http://a.test/x?y HTTP/1.1\r\nHOST: other\r\nAccept: a\r\n\r\n'), fwd, 'up:1')).toBe(
      'GET /x?y HTTP/1.1\r\nAccept: a\r\nHost: a.test\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: a.test\r\n\r\n',
    );
  });

  test('an HTTP/1.0 request without Host gets the upstream as Host and the listen host as X-Forwarded-Host', () => {
    expect(upstreamRequestHead(request('GET / HTTP/1.0\r\nAccept: a\r\n\r\n'), fwd, 'up:1')).toBe(
      'GET / HTTP/1.0\r\nAccept: a\r\nHost: up:1\r\nX-Forwarded-For: 10.1.2.3\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: proxy.test\r\n\r\n',
    );
  });
});

describe('clientResponseHead', () => {
  test('drops hop-by-hop fields wherever they are and adds the proxy own fields', () => {
    const head = response(
      'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nServer: up\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\n\r\n',
    );
    expect(clientResponseHead(head, true, { versionHeader: 'X-Version', version: 'v2', setCookie: 'gp=v2' })).toBe(
      'HTTP/1.1 200 OK\r\nServer: up\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nConnection: close\r\nX-Version: v2\r\nSet-Cookie: gp=v2\r\n\r\n',
    );
  });

  test('fields the upstream names in Connection are dropped too, in any case', () => {
    const head = response('HTTP/1.1 200 OK\r\nX-Private: secret\r\nConnection: X-PRIVATE, keep-alive\r\nContent-Length: 0\r\nX-Public: 1\r\n\r\n');
    expect(clientResponseHead(head, false, null)).toBe('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Public: 1\r\n\r\n');
  });

  test('names are matched without case and only whole: Content-Lengthy is not Content-Length', () => {
    const head = response('HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 4\r\nContent-Lengthy: 9\r\nTE: x\r\n\r\n');
    expect(head).toMatchObject({ framing: 'length', contentLength: 4 });
    expect(clientResponseHead(head, false, null)).toBe('HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 4\r\nContent-Lengthy: 9\r\n\r\n');
  });

  test('a 101 keeps Upgrade and says Connection: upgrade', () => {
    const head = response('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: k\r\n\r\n');
    expect(clientResponseHead(head, false, null)).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: k\r\nConnection: upgrade\r\n\r\n',
    );
  });
});

describe('clientResponseBytes', () => {
  const bytesOf = (head: string, body: string, close: boolean, extras: Parameters<typeof clientResponseBytes>[3]): string => {
    const buf = Buffer.from(head + body, 'latin1');
    return clientResponseBytes(response(head), buf, close, extras, head.length, buf.length).toString('latin1');
  };

  test('is clientResponseHead followed by the body, the status line copied as it came', () => {
    const head = 'HTTP/1.1 404 Not There\r\nConnection: keep-alive\r\nServer: up\r\nKeep-Alive: timeout=5\r\nContent-Length: 3\r\n\r\n';
    const extras = { versionHeader: 'X-Version', version: 'v2', setCookie: 'gp=v2' };
    expect(bytesOf(head, 'abc', true, extras)).toBe(`${clientResponseHead(response(head), true, extras)}abc`);
    expect(bytesOf(head, 'abc', false, null)).toBe('HTTP/1.1 404 Not There\r\nServer: up\r\nContent-Length: 3\r\n\r\nabc');
  });

  test('an HTTP/1.0 status line goes out as HTTP/1.1; a head without fields and every byte value of a body', () => {
    const body = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    expect(bytesOf('HTTP/1.0 200\r\n\r\n', body, true, null)).toBe(`HTTP/1.1 200\r\nConnection: close\r\n\r\n${body}`);
  });
});
