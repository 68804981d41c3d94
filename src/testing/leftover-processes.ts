/** Test help: stops the process groups a test left behind and says which were still alive. */
import { processGroupAlive, stopProcessGroup } from '../exec/process-group.js';

/**
 * For a test's afterEach: stops by id every process group in `pids` that is still running (whatever a failing test
 * left behind) and returns those it had to stop, so that the test can insist there were none.
 */
export async function stopLeftoverGroups(pids: Iterable<number>, graceMs = 1_000): Promise<number[]> {
  const left: number[] = [];
  for (const pid of pids) {
    if (!processGroupAlive(pid)) continue;
    left.push(pid);
    await stopProcessGroup(pid, graceMs);
  }
  return left;
}
