/** A small uPlot line chart that follows its data without being rebuilt. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface Line {
  label: string;
  color: string;
  /** Dash pattern of a reference line (e.g. [6, 4]). */
  dash?: number[];
}

const width = (element: HTMLElement) => Math.max(240, element.clientWidth);

/** A tick label: short, and readable on a log scale that spans many powers of ten. */
function tick(value: number | null, unit: string): string {
  // A log axis hands over null for the minor ticks it leaves unlabelled.
  if (value === null) return '';
  const text = value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3) ? value.toExponential(0) : String(Number(value.toPrecision(3)));
  return `${text}${unit}`;
}

/** A time chart of `data` ([times in seconds, ...one array per line]); `log` draws the y axis in powers of ten. */
export function Chart(props: { title: string; lines: Line[]; data: (number | null)[][]; unit?: string; log?: boolean; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = props.lines.map((l) => l.label).join('|');
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: width(element),
      height: 160,
      series: [{}, ...props.lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: true, ...(line.dash ? { dash: line.dash } : {}) }))],
      ...(props.log ? { scales: { y: { distr: 3 as const } } } : {}),
      axes: [{ stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,.2)' } }, { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,.2)' }, size: 60, values: (_u, ticks) => ticks.map((t) => tick(t, props.unit ?? '')) }],
      legend: { live: false },
      // Says on the page that the chart has been drawn (uPlot draws on a canvas; a throwing draw leaves it blank).
      hooks: { draw: [() => element.setAttribute('data-drawn', 'true')] },
    };
    plot.current = new uPlot(options, props.data as uPlot.AlignedData, element);
    const resize = () => plot.current?.setSize({ width: width(element), height: 160 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [key]);
  useEffect(() => plot.current?.setData(props.data as uPlot.AlignedData), [props.data]);
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: ${props.lines.map((l) => l.label).join(', ')}`} data-points={props.data[0]?.length ?? 0} />
    </figure>
  );
}
