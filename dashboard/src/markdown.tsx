/** A small Markdown renderer for launch records: headings, lists, tables, code and paragraphs, as Preact nodes (no HTML strings). */
import type { ComponentChildren } from 'preact';

function inline(text: string): ComponentChildren[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/).map((part, i) =>
    part.startsWith('`') && part.endsWith('`') ? <code key={i}>{part.slice(1, -1)}</code> : part.startsWith('**') && part.endsWith('**') ? <strong key={i}>{part.slice(2, -2)}</strong> : part,
  );
}

const cells = (row: string) => row.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

/** Renders Markdown text as elements. */
export function Markdown(props: { text: string }) {
  const lines = props.text.split('\n');
  const out: ComponentChildren[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, (heading[1]?.length ?? 1) + 1);
      const Tag = `h${level}` as 'h2';
      out.push(<Tag key={i}>{inline(heading[2] ?? '')}</Tag>);
    } else if (line.startsWith('```')) {
      const code: string[] = [];
      while (++i < lines.length && !(lines[i] ?? '').startsWith('```')) code.push(lines[i] ?? '');
      out.push(<pre key={i}>{code.join('\n')}</pre>);
    } else if (line.startsWith('|')) {
      const rows: string[] = [];
      for (; i < lines.length && (lines[i] ?? '').startsWith('|'); i++) rows.push(lines[i] ?? '');
      i--;
      const [head = '', , ...body] = rows;
      out.push(
        <div class="table-wrap" key={i}>
          <table>
            <thead><tr>{cells(head).map((c, j) => <th key={j} scope="col">{inline(c)}</th>)}</tr></thead>
            <tbody>{body.map((r, k) => <tr key={k}>{cells(r).map((c, j) => <td key={j}>{inline(c)}</td>)}</tr>)}</tbody>
          </table>
        </div>,
      );
    } else if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i] ?? ''); i++) items.push((lines[i] ?? '').replace(/^\s*[-*]\s+/, ''));
      i--;
      out.push(<ul key={i}>{items.map((item, k) => <li key={k}>{inline(item)}</li>)}</ul>);
    } else if (line.trim()) {
      out.push(<p key={i}>{inline(line)}</p>);
    }
  }
  return <div class="markdown">{out}</div>;
}
