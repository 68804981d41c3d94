/** Writing a file so readers see the old or the new content, never half of it. */
import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file so readers see the old content or the new, never a part (write to a temp file, then rename). */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, path);
}
