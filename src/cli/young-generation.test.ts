import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The young generation's capacity (bytes) in a fresh node process right after `setup`, and after a burst of
 * allocations whose objects survive a few collections (what makes V8 grow it).
 */
async function youngCapacity(setup: string): Promise<{ before: number; after: number }> {
  const module = new URL('./young-generation.ts', import.meta.url).href;
  const code = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { keepYoungGenerationSmall, letYoungGenerationGrow } from ${JSON.stringify(module)};
    const capacity = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
    ${setup}
    const before = capacity();
    let kept = [];
    for (let i = 0; i < 3e6; i++) {
      kept.push({ i, text: 'x' + i });
      if (kept.length > 50000) kept = [];
    }
    console.log(JSON.stringify({ before, after: capacity() }));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { timeout: 60_000 });
  return JSON.parse(stdout) as { before: number; after: number };
}

// The growth factor is the one V8 setting a running process can still change; a Node upgrade that stops reading
// it at run time would fail here rather than quietly bring the CLI's memory back up. V8 still resizes the young
// generation a little on its own (between 1 and 4 MB on Node 22–26), so "small" is a bound, not equality: left
// to grow, the same burst takes it to 32–64 MB.
const SMALL = 8 * 1024 * 1024;

describe('young generation', () => {
  it('stops growing for one-shot commands', async () => {
    const { after } = await youngCapacity('keepYoungGenerationSmall();');
    expect(after).toBeLessThanOrEqual(SMALL);
  });

  it('grows again once the daemon lets it', async () => {
    const { after } = await youngCapacity('keepYoungGenerationSmall(); letYoungGenerationGrow();');
    expect(after).toBeGreaterThan(2 * SMALL);
  });
});
