/** A small uPlot line chart that follows its data without being rebuilt. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface Line {
  label: string;
  color: string;
}

const width = (element: HTMLElement) => Math.max(240, element.clientWidth);

/** A time chart of `data` ([times in seconds, ...one array per line]). */
export function Chart(props: { title: string; lines: Line[]; data: (number | null)[][]; unit?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = props.lines.map((l) => l.label).join('|');
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: width(element),
      height: 160,
      series: [{}, ...props.lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, spanGaps: true }))],
      axes: [{ stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,.2)' } }, { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,.2)' }, size: 60, values: (_u, ticks) => ticks.map((t) => `${t}${props.unit ?? ''}`) }],
      legend: { live: false },
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
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: ${props.lines.map((l) => l.label).join(', ')}`} data-points={props.data[0]?.length ?? 0} />
    </figure>
  );
}
