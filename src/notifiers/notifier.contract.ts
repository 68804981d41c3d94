/** The suite every notifier kind runs against its real peer: delivery, prompt abort, failure as a value, no secrets. */
import { describe, expect, it } from 'vitest';
import type { Notification, Notifier, SendResult } from './notifier.js';

/** One configured notifier, a way to see what its peer got, and one pointed at a peer that refuses. */
export interface NotifierContractCase {
  notifier: Notifier;
  /** Resolves once the peer has received `count` notifications, with what it got (any shape). */
  received: (count: number) => Promise<unknown[]>;
  /** The same kind pointed at a peer that fails every request. */
  failing: Notifier;
  /** Strings that must never appear in a result or a destination. */
  secrets?: string[];
  /** Frees what `create` started (servers, directories). */
  close?: () => Promise<void>;
}

/** What {@link runNotifierContract} needs: a name and a way to build a fresh case (called inside each test). */
export interface NotifierContractOptions {
  name: string;
  create: () => Promise<NotifierContractCase>;
}

/** A notification as the release engine's notices make them. */
export function sampleNotification(overrides: Partial<Notification> = {}): Notification {
  return {
    event: 'release.rolled_back',
    service: 'shop',
    severity: 'warning',
    summary: 'shop: release v2 rolled back: error_rate 0.2 above max 0.05',
    detail: 'error_rate 0.2 above max 0.05',
    at: new Date().toISOString(),
    labels: { alertname: 'GlidepathReleaseRolledBack', release_id: 'rel_1', version: 'v2' },
    release: { id: 'rel_1', version: 'v2', previousVersion: 'v1', status: 'rolled_back', reason: 'error_rate 0.2 above max 0.05' },
    ...overrides,
  };
}

/** Registers the shared notifier contract as a `describe` block in the calling test file. */
export function runNotifierContract({ name, create }: NotifierContractOptions): void {
  const withCase = async (test: (c: NotifierContractCase) => Promise<void>) => {
    const c = await create();
    try {
      await test(c);
    } finally {
      await c.close?.();
    }
  };

  describe(`notifier contract: ${name}`, () => {
    it('delivers a notification its peer receives', () =>
      withCase(async ({ notifier, received, secrets }) => {
        const result = await notifier.send(sampleNotification(), { signal: AbortSignal.timeout(10_000), deliveryId: 'dlv_contract_1' });
        expectWellFormed(result, secrets);
        expect(result.status, result.detail).toBe('delivered');
        expect(await received(1)).toHaveLength(1);
      }));

    it('reports a refusing peer as a failed result, without throwing or leaking a secret', () =>
      withCase(async ({ failing, secrets }) => {
        const result = await failing.send(sampleNotification(), { signal: AbortSignal.timeout(10_000), deliveryId: 'dlv_contract_2' });
        expectWellFormed(result, secrets);
        expect(result.status).toBe('failed');
      }));

    it('fails promptly for an already-aborted signal', () =>
      withCase(async ({ notifier, secrets }) => {
        const started = performance.now();
        const result = await notifier.send(sampleNotification(), { signal: AbortSignal.abort(), deliveryId: 'dlv_contract_3' });
        expect(performance.now() - started).toBeLessThan(1_000);
        expectWellFormed(result, secrets);
        expect(result.status).toBe('failed');
      }));

    it('names its kind and a destination without secrets', () =>
      withCase(async ({ notifier, secrets }) => {
        expect(notifier.kind).toMatch(/^[a-z][a-z0-9-]*$/);
        expect(notifier.destination.trim()).not.toBe('');
        for (const secret of secrets ?? []) expect(notifier.destination).not.toContain(secret);
      }));
  });
}

function expectWellFormed(result: SendResult, secrets: string[] = []): void {
  expect(['delivered', 'failed']).toContain(result.status);
  expect(result.detail.trim()).not.toBe('');
  expect(result.detail).not.toMatch(/\n/);
  expect(Number.isFinite(result.durationMs) && result.durationMs >= 0).toBe(true);
  expect(typeof result.retryable).toBe('boolean');
  for (const secret of secrets) expect(JSON.stringify(result), 'result leaks a secret').not.toContain(secret);
}
