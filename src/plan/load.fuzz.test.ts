import { describe, expect, it } from 'vitest';
import { fuzzPlanLoader } from '../testing/plan-fuzz.js';

// 10,000 plans in two files (this one and load.fuzz-second-half.test.ts), so both cores share them.
describe('plan loader under random mutations, seeds 1 to 5000', () => {
  it('gives every input either a valid plan or located errors, never a crash or a secret', async () => {
    const { valid, refused } = await fuzzPlanLoader(1, 5000);
    // Both outcomes must actually occur, or the mutations are not exercising the loader.
    expect(valid).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(2500);
  }, 300_000);
});
