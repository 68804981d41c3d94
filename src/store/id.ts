/** Ids of releases, steps and backups: sortable by time, unique. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
const TIME_CHARS = 10; // 48-bit millisecond clock, good until year 10889
const RANDOM_CHARS = 16; // 80 bits

let lastTime = -1;
let lastRandom = 0n;

function encode(value: bigint, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A new sortable id such as `rel_01j9z…`: a millisecond timestamp then randomness, so ids sort by creation
 * time as text on every backend; ids made in the same millisecond by this process still sort in order.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or an earlier, stepped-back) millisecond: keep the last time and count up, so order holds.
    lastRandom += 1n;
  } else {
    lastTime = now;
    lastRandom = BigInt(`0x${randomBytes(10).toString('hex')}`) >> 1n; // top bit clear leaves room to count
  }
  return `${prefix}_${encode(BigInt(lastTime), TIME_CHARS)}${encode(lastRandom, RANDOM_CHARS)}`;
}
