/** One shared read buffer per thread for sockets, and copies of what must outlive a read. */
import { Socket, type SocketConstructorOpts } from 'node:net';

// Every socket of a proxy thread, client and upstream, reads into this one buffer (net's `onread`), which spares
// an allocation, a Buffer object and the Readable-stream machinery per read. A read is handed to its consumer
// synchronously and reads never nest, so one buffer serves them all as long as consumers copy what they keep
// past the callback (`copyOf`, `keepable`).
const READ_BUFFER_BYTES = 64 * 1024;
let readBuffer: Buffer | null = null;

/** The thread's shared read buffer. */
export function sharedReadBuffer(): Buffer {
  return (readBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));
}

/** A copy of `bytes` that later reads cannot overwrite. */
export function copyOf(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length);
  bytes.copy(out, 0);
  return out;
}

/** Whether `bytes` is a view into the shared read buffer (and so overwritten by the next read). */
export function inReadBuffer(bytes: Buffer): boolean {
  return readBuffer !== null && bytes.buffer === readBuffer.buffer;
}

/** `bytes` itself when it is its own memory, else a copy of it: what may be kept or written on past a read. */
export function keepable(bytes: Buffer): Buffer {
  return inReadBuffer(bytes) ? copyOf(bytes) : bytes;
}

/** Called with each read: `n` bytes at the start of the shared read buffer. */
export type ReadCallback = (n: number, buf: Buffer) => void;

interface SocketInternals {
  _handle: object | null;
}

/**
 * Gives an accepted socket the `onread` fast path that Node offers only to sockets it connects itself: the
 * socket's libuv handle is moved into a new `net.Socket` created with `onread` (the constructor takes both a
 * `handle` and `onread`), and the empty shell is destroyed so the server's connection count stays right.
 * The server must accept with `pauseOnConnect`, so that no read happened before. `_handle` is not public API:
 * when it is missing the socket is returned as it is with `null` for the caller to use the stream path.
 */
export function adoptWithReadBuffer(accepted: Socket, onRead: ReadCallback): Socket | null {
  const shell = accepted as unknown as SocketInternals;
  const handle = shell._handle;
  if (handle === null || typeof handle !== 'object' || !('readStart' in handle)) return null;
  shell._handle = null;
  const options = {
    // The typings name only the public handle type (a BoundSocket); a TCP handle of an accepted socket works too.
    handle: handle as unknown as SocketConstructorOpts['handle'],
    allowHalfOpen: true,
    onread: {
      buffer: sharedReadBuffer(),
      callback: (n: number, buf: Uint8Array): boolean => {
        onRead(n, buf as Buffer);
        return true;
      },
    },
  };
  const socket = new Socket(options);
  accepted.destroy();
  return socket;
}
