import { describe, expect, it } from 'vitest';
import { applyRetention, isoWeek, type RetentionCandidate, type RetentionPolicy } from './retention.js';

const DAY = 86_400_000;
const START = Date.parse('2024-01-01T02:00:00Z');

/** One backup a day at 02:00 UTC for `days` days, as a nightly schedule would leave them. */
function dailyBackups(days: number, verified: (i: number) => boolean = () => false): RetentionCandidate[] {
  return Array.from({ length: days }, (_, i) => ({ id: `b${String(i).padStart(3, '0')}`, at: new Date(START + i * DAY), verified: verified(i) }));
}
const keptDays = (decisions: ReturnType<typeof applyRetention>) =>
  decisions.filter((d) => d.keep).map((d) => d.at.toISOString().slice(0, 10)).sort();

const POLICY: RetentionPolicy = { keepLast: 3, keepDaily: 7, keepWeekly: 4, keepMonthly: 12 };

describe('applyRetention (restic forget semantics)', () => {
  it('keeps last, daily, weekly and monthly backups of 400 days exactly', () => {
    const backups = dailyBackups(400); // 2024-01-01 … 2025-02-03 (a Monday)
    const now = new Date(START + 399 * DAY + 3_600_000);
    const decisions = applyRetention(backups, POLICY, now);
    expect(keptDays(decisions)).toEqual([
      // monthly: the newest of each of the 12 months that have one (Feb 2025 back to Mar 2024)
      '2024-03-31', '2024-04-30', '2024-05-31', '2024-06-30', '2024-07-31', '2024-08-31', '2024-09-30', '2024-10-31',
      '2024-11-30', '2024-12-31',
      // weekly: ISO weeks 2025-W03, W04 (Sundays), W05 (Sunday Feb 2) and W06 (Monday Feb 3)
      '2025-01-19', '2025-01-26',
      // daily: the 7 newest days (which also hold the 3 newest, Jan 31 for January and Feb 2/3)
      '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02', '2025-02-03',
    ]);
    const newest = decisions[0];
    expect(newest?.reasons).toEqual(['last 1 of 3', 'daily 2025-02-03', 'weekly 2025-W06', 'monthly 2025-02']);
    const removed = decisions.find((d) => d.id === 'b000');
    expect(removed?.keep).toBe(false);
    expect(removed?.reasons).toEqual(['kept by no rule (keepLast 3, keepDaily 7, keepWeekly 4, keepMonthly 12)']);
  });

  it('pruning every night on a fake clock for 400 days ends where one prune at the end does', () => {
    let kept: RetentionCandidate[] = [];
    let maxHeld = 0;
    for (const backup of dailyBackups(400)) {
      kept.push(backup);
      const now = new Date(backup.at.getTime() + 60_000);
      const decisions = applyRetention(kept, POLICY, now);
      const keepIds = new Set(decisions.filter((d) => d.keep).map((d) => d.id));
      kept = kept.filter((b) => keepIds.has(b.id));
      maxHeld = Math.max(maxHeld, kept.length);
    }
    const oneShot = applyRetention(dailyBackups(400), POLICY, new Date(START + 399 * DAY + 60_000));
    expect(kept.map((b) => b.id).sort()).toEqual(oneShot.filter((d) => d.keep).map((d) => d.id).sort());
    expect(maxHeld).toBeLessThanOrEqual(3 + 7 + 4 + 12 + 1);
  });

  it('never removes the newest verified backup, however old', () => {
    const backups = dailyBackups(400, (i) => i === 10 || i === 5);
    const decisions = applyRetention(backups, { keepLast: 2 }, new Date(START + 400 * DAY));
    const guarded = decisions.find((d) => d.id === 'b010');
    expect(guarded).toMatchObject({ keep: true, reasons: ['newest verified backup'] });
    expect(decisions.find((d) => d.id === 'b005')?.keep).toBe(false);
    expect(decisions.filter((d) => d.keep)).toHaveLength(3);
  });

  it('keeps the newest verified backup even when it is also the only one a rule would drop', () => {
    const backups = dailyBackups(3, (i) => i === 0);
    const decisions = applyRetention(backups, { maxAge: DAY }, new Date(START + 2 * DAY + 1));
    expect(decisions.map((d) => [d.id, d.keep])).toEqual([['b002', true], ['b001', false], ['b000', true]]);
  });

  it('maxAge keeps everything younger and removes older backups no other rule keeps', () => {
    const now = new Date(START + 399 * DAY + 3_600_000);
    const onlyAge = applyRetention(dailyBackups(400), { maxAge: 30 * DAY }, now);
    expect(onlyAge.filter((d) => d.keep)).toHaveLength(30);
    const old = onlyAge.find((d) => d.id === 'b000');
    expect(old?.reasons).toEqual(['older than maxAge 30d and kept by no other rule (maxAge 30d)']);
    const withMonthly = applyRetention(dailyBackups(400), { maxAge: 30 * DAY, keepMonthly: 12 }, now);
    // The 30 youngest already hold the newest of February and January; monthly adds March … December.
    expect(withMonthly.filter((d) => d.keep)).toHaveLength(30 + 10);
  });

  it('keeps everything when no rule is set, and counts only days that have a backup', () => {
    expect(applyRetention(dailyBackups(5), {}, new Date()).every((d) => d.keep)).toBe(true);
    const sparse = [0, 1, 10, 20].map((i) => ({ id: `s${i}`, at: new Date(START + i * DAY), verified: false }));
    expect(keptDays(applyRetention(sparse, { keepDaily: 3 }, new Date(START + 30 * DAY)))).toEqual(['2024-01-02', '2024-01-11', '2024-01-21']);
    const twoADay = [0, 1, 2, 3].map((i) => ({ id: `t${i}`, at: new Date(START + i * 6 * 3_600_000), verified: false }));
    expect(applyRetention(twoADay, { keepDaily: 1 }, new Date()).filter((d) => d.keep).map((d) => d.id)).toEqual(['t3']);
  });

  it('names ISO weeks across year ends', () => {
    expect(isoWeek(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
    expect(isoWeek(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2025-02-03T02:00:00Z'))).toBe('2025-W06');
  });
});
