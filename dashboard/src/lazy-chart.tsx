/**
 * Charts load on first use: uPlot is more than half of the dashboard's script, and the History list and Operations
 * draw no chart, so it comes in its own chunk, asked for early by the views that chart (see main.tsx).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Chart as DrawnChart } from './chart.js';

type ChartProps = Parameters<typeof DrawnChart>[0];

let loading: Promise<typeof DrawnChart> | undefined;

/** Starts loading the chart module (once); resolves with its Chart. */
export function loadCharts(): Promise<typeof DrawnChart> {
  loading ??= import('./chart.js').then((module) => module.Chart);
  return loading;
}

/** The chart of chart.tsx once its module is in; until then its figure with the caption and an empty plot area. */
export function Chart(props: ChartProps) {
  const [Drawn, setDrawn] = useState<typeof DrawnChart | null>(null);
  useEffect(() => {
    let current = true;
    // A chunk that fails to load leaves the figure with its caption and no plot.
    loadCharts().then((module) => current && setDrawn(() => module), () => undefined);
    return () => {
      current = false;
    };
  }, []);
  if (Drawn) return <Drawn {...props} />;
  return (
    <figure class="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <div class="chart-pending" aria-busy="true" />
    </figure>
  );
}
