// One chart of a metric per group (a prompt version, a model, a service…) over time buckets, drawn
// with uPlot: the prompt overlay and the dashboard both draw theirs with it.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#4b5563',
  '#ca8a04',
  '#db2777',
];

export interface Metric<T> {
  title: string;
  value: (v: T) => number | null;
  format: (n: number) => string;
  /** The axis top when every value is zero. */
  ceiling?: number;
}

/** Time buckets, each with the figures of the groups that had any in it. */
export interface Buckets<T> {
  keys: string[];
  keyOf: (item: T) => string;
  buckets: { startTimeUnixNano: string; items: T[] }[];
}

export function TimeChart<T>({ data, metric }: { data: Buckets<T>; metric: Metric<T> }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // The x axis spans the buckets with figures (and one either side), not the whole range asked for.
    const used = data.buckets.flatMap((b, i) => (b.items.length ? [i] : []));
    const series = data.buckets.slice(Math.max(0, (used[0] ?? 0) - 1), (used.at(-1) ?? 0) + 2);
    const xs = series.map((b) => Number(BigInt(b.startTimeUnixNano) / 1_000_000_000n));
    const ys = data.keys.map((key) =>
      series.map((b) => {
        const s = b.items.find((v) => data.keyOf(v) === key);
        return s ? metric.value(s) : null;
      }),
    );
    const plot = new uPlot(
      {
        width: el.clientWidth || 420,
        height: 180,
        legend: { show: true },
        // From zero: a flat 0% error rate must read as zero, not as an axis around it.
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : (metric.ceiling ?? 1)] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => metric.format(t)), size: 64 }],
        series: [
          {},
          ...data.keys.map((k, i) => ({
            label: k,
            stroke: COLORS[i % COLORS.length] as string,
            width: 2,
            spanGaps: true,
            points: { show: true, size: 5 },
            value: (_u: uPlot, n: number | null) => (n === null ? '—' : metric.format(n)),
          })),
        ],
      },
      [xs, ...ys] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, metric]);
  return (
    <figure class="chart">
      <figcaption>{metric.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
