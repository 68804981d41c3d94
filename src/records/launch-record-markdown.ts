/** The launch record as Markdown, laid out like the template teams keep in their runbooks. */
import { formatDuration } from '../shared/duration.js';
import type { SequentialEvidence } from '../analysis/measurement.js';
import type { LaunchRecord } from './launch-record.js';

const MARK: Record<string, string> = { succeeded: '✔', skipped: '–', failed: '✘', rolled_back: '↩', running: '…' };
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function evidenceLine(evidence: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(evidence)) {
    if (value === null || value === undefined || key === 'items') continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${key}: ${text.length > 160 ? `${text.slice(0, 157)}…` : text}`);
  }
  const items = evidence.items as { name?: string; status?: string; detail?: string }[] | undefined;
  for (const item of items ?? []) parts.push(`${item.name ?? ''} ${item.status ?? ''}: ${item.detail ?? ''}`);
  return parts.join('; ');
}

const number = (value: number | null) => (value === null ? '–' : String(Number(value.toPrecision(3))));

/** One sentence on where a sequential comparison ended: its evidence against 1/alpha and the ratio's bounds. */
function finalEvidenceLine(metric: string, e: SequentialEvidence): string {
  const evidence = e.eValue === null ? '' : `e-value ${number(e.eValue)} (decides at ${number(e.threshold)} = 1/alpha), `;
  const bounds = `${number(e.lower)} – ${e.upper === null ? '∞' : number(e.upper)}`;
  const counts = `${e.canary.requests} canary vs ${e.stable.requests} stable requests`;
  return `- **${metric}** final evidence: ${evidence}canary/stable ratio ${number(e.ratio)} (bounds ${bounds}, tolerated ${number(e.tolerated)}) over ${counts}; test ${e.sequential}`;
}

/** A code fence longer than any run of backticks in `text`, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Renders the record; every section is there even when empty, so records of different releases compare. */
export function launchRecordMarkdown(record: LaunchRecord): string {
  const lines = [
    `# Launch record: ${record.service} ${record.version}`,
    '',
    '## Basics',
    '',
    `- **Version**: ${record.version} (previous: ${record.previousVersion ?? 'none'}), ${record.strategy}`,
    `- **Time**: ${record.startedAt}${record.finishedAt ? ` → ${record.finishedAt} (${formatDuration(record.durationMs ?? 0)})` : ' (still running)'}`,
    `- **Owner**: ${record.owner ?? 'unknown'}`,
    `- **Participants**: ${record.participants.length > 0 ? record.participants.join(', ') : '—'}`,
    ...(record.runners.length > 0 ? [`- **Runners**: ${record.runners.map((r) => (r.role === 'took-over' ? `${r.holder} took it over at ${r.at}` : `${r.holder} started it`)).join('; ')}`] : []),
    `- **Release**: ${record.id}`,
    '',
    '## What changed',
    '',
    ...(record.changes.lines.length > 0
      ? [`_from ${record.changes.source === 'git' ? `git log ${record.previousVersion ?? ''}..${record.version}` : 'the release notes'}_`, '', ...record.changes.lines.map((line) => (record.changes.source === 'git' ? `- ${line}` : line))]
      : ['No notes were given and no git history links the two versions.']),
    '',
    '## Gates',
    '',
    '| gate | result | started | evidence |',
    '|---|---|---|---|',
    ...record.gates.map((gate) => `| ${gate.gate} | ${MARK[gate.status] ?? ''} ${gate.status} | ${gate.startedAt?.slice(11, 19) ?? ''} | ${cell(evidenceLine(gate.evidence))} |`),
    '',
    '## Analysis',
    '',
    ...(record.analysis.length > 0
      ? [
          '| metric | measurements | failed | last verdict |',
          '|---|---|---|---|',
          ...record.analysis.map((m) => `| ${m.metric} | ${m.measurements} | ${m.failed} | ${m.lastVerdict}: ${cell(m.lastReason)} |`),
          ...(record.analysis.some((m) => m.finalEvidence) ? [''] : []),
          ...record.analysis.flatMap((m) => (m.finalEvidence ? [finalEvidenceLine(m.metric, m.finalEvidence)] : [])),
        ]
      : ['No analysis ran.']),
    '',
    '## Traffic during the release',
    '',
    ...(record.traffic
      ? [
          `${record.traffic.requests} requests, ${record.traffic.failed} failed for users.`,
          '',
          '| version | requests | failed |',
          '|---|---|---|',
          ...Object.entries(record.traffic.byVersion).map(([version, t]) => `| ${version} | ${t.requests} | ${t.failed} |`),
        ]
      : ['Not measured (the target does not report traffic through glidepath).']),
    '',
    '## Outcome',
    '',
    `- **Status**: ${record.status}${record.reason ? ` — ${record.reason}` : ''}`,
    `- **Problems found**: ${record.problems.length > 0 ? '' : 'none'}`,
    ...record.problems.map((problem) => `  - ${problem}`),
    `- **Steering**: ${record.steering.length > 0 ? record.steering.map((s) => `${s.action} by ${s.by} at ${s.at.slice(11, 19)}`).join('; ') : 'none'}`,
    `- **Follow-ups**: ${record.followUps.length > 0 ? '' : 'none'}`,
    ...record.followUps.map((item) => `  - ${item}`),
    '',
    '## Plan',
    '',
    ...(record.plan
      ? [`\`${record.plan.file}\`, sha256 ${record.plan.sha256}`, '', `${fenceFor(record.plan.text)}yaml`, record.plan.text.trimEnd(), fenceFor(record.plan.text)]
      : ['Not recorded.']),
    '',
  ];
  return lines.join('\n');
}
