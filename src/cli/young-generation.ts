/**
 * V8's young generation for one-shot commands and for the daemon.
 *
 * V8 doubles the young generation (up to 16 MB a semi-space) as a process allocates, and frees a Buffer's memory
 * only when it collects the Buffer's object; a command streaming a 1 GiB backup then keeps ~45 MB more resident
 * than with 1 MB semi-spaces, at the same speed. `node --max-semi-space-size=1` would do it, but flags cannot be
 * passed through npm's bin portably (`#!/usr/bin/env -S node …` fails on Alpine's busybox) and that size is fixed
 * once the heap exists. The growth factor is read at each growth instead, so setting it at run time works. (V8
 * raises a factor below 2 back to 2 when it sets up an isolate, so this holds only until a Worker starts.)
 */
import { setFlagsFromString } from 'node:v8';

/** V8's default factor by which the young generation grows. */
export const DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 2;

/** Keeps the young generation at its initial 1 MB semi-spaces: frequent, cheap scavenges (one-shot commands). */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/** Lets the young generation grow as V8 does by default (the daemon: a long-running server with a proxy). */
export function letYoungGenerationGrow(): void {
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_SEMI_SPACE_GROWTH_FACTOR}`);
}
