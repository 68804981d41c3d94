import { describe, expect, it } from 'vitest';
import { fuzzPlanLoader } from '../testing/plan-fuzz.js';

// The second half of the 10,000 plans; see load.fuzz.test.ts.
describe('plan loader under random mutations, seeds 5001 to 10000', () => {
  it('gives every input either a valid plan or located errors, never a crash or a secret', async () => {
    const { valid, refused } = await fuzzPlanLoader(5001, 10_000);
    // Both outcomes must actually occur, or the mutations are not exercising the loader.
    expect(valid).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(2500);
  }, 300_000);
});
