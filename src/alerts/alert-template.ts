/** Templating of alert labels and annotations, in Prometheus' spelling: `{{ $value }}`, `{{ $labels.name }}`. */

/** Fills `{{ $value }}`, `{{ $labels.x }}` (and `{{ $labels }}`-less `{{ .Value }}`) in a text; unknown names stay as written. */
export function renderAlertTemplate(text: string, value: number | null, labels: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{\s*(\$value|\.Value|\$labels\.([A-Za-z_][A-Za-z0-9_]*)|\.Labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g, (whole, _all: string, label?: string, label2?: string) => {
    const name = label ?? label2;
    if (name !== undefined) return labels[name] ?? '';
    return value === null ? '' : formatValue(value);
  });
}

/** A value as alerts show it: integers as they are, others to at most 4 significant digits. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}
