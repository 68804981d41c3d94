/** This host's resource use as fractions of the whole: CPU (since the last reading), memory, and a disk. */
import { statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';

/** Busy and total CPU time of all cores, in ms. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/** Reads host usage; CPU is measured between consecutive readings (the first one covers the time since boot). */
export class HostUsage {
  #last = { busy: 0, total: 0 };

  /** CPU busy fraction since the previous call. */
  cpu(): number {
    const now = cpuTimes();
    const busy = now.busy - this.#last.busy;
    const total = now.total - this.#last.total;
    this.#last = now;
    return total > 0 ? busy / total : 0;
  }

  /** Memory in use (total − free) over total. */
  memory(): number {
    return 1 - freemem() / totalmem();
  }

  /** Used fraction of the filesystem holding `path`, as `df` counts it (blocks for unprivileged users excluded). */
  async disk(path: string): Promise<number> {
    const fs = await statfs(path);
    const used = fs.blocks - fs.bfree;
    const usable = used + fs.bavail;
    return usable > 0 ? used / usable : 0;
  }
}
