/** How commands talk: one JSON document on stdout with --json, human text otherwise; progress on stderr. */

/** Where a command writes: human text, or one JSON document with `--json`. */
export interface Output {
  readonly json: boolean;
  /** The command's result: JSON on stdout with --json, otherwise the human rendering. */
  result(document: unknown, human: () => string): void;
  /** A progress or log line; always stderr so stdout stays one JSON document. */
  progress(line: string): void;
}

/** The process streams a command writes to. */
export interface Streams {
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown; isTTY?: boolean };
}

/** An Output over the process's streams (or test doubles of them). */
export function createOutput(json: boolean, streams: Streams): Output {
  return {
    json,
    result(document, human) {
      if (json) streams.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      else {
        const text = human();
        if (text) streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    progress(line) {
      streams.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
    },
  };
}

/** A plain text table with aligned columns; cells keep their first line only. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string) => (cell.split('\n')[0] ?? '').trimEnd();
  const all = [headers, ...rows].map((row) => row.map(clean));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - [...cell].length)))
      .join('  ')
      .trimEnd();
  return [line(all[0] ?? []), ...all.slice(1).map(line)].join('\n');
}
