import { describe, expect, test } from 'vitest';
import { EXCHANGE_TRANSITIONS, checkTransition, type ExchangeState } from './exchange-state.js';

describe('exchange states', () => {
  test('every state but settled can settle; settled is final', () => {
    for (const state of Object.keys(EXCHANGE_TRANSITIONS) as ExchangeState[]) {
      if (state === 'settled') expect(() => checkTransition(state, 'connecting')).toThrow('from settled to connecting');
      else expect(() => checkTransition(state, 'settled')).not.toThrow();
    }
  });

  test('a response head that began arriving is never retried, and a streamed response never goes back', () => {
    expect(() => checkTransition('awaiting-head', 'connecting')).not.toThrow();
    expect(() => checkTransition('reading-head', 'connecting')).toThrow('from reading-head to connecting');
    expect(() => checkTransition('streaming', 'reading-head')).toThrow('from streaming to reading-head');
    expect(() => checkTransition('connecting', 'streaming')).toThrow('from connecting to streaming');
  });
});
