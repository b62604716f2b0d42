// One overlay chart: a metric per prompt version over time buckets, drawn with uPlot.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Overlay, VersionStats } from './api.ts';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];

export interface Metric {
  title: string;
  value: (v: VersionStats) => number | null;
  format: (n: number) => string;
  /** The axis top when every value is zero. */
  ceiling?: number;
}

export function OverlayChart({ overlay, metric }: { overlay: Overlay; metric: Metric }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const versions = overlay.versions.map((v) => v.version);
    // The x axis spans the buckets with calls (and one either side), not the whole range asked for.
    const used = overlay.series.flatMap((b, i) => (b.versions.length ? [i] : []));
    const series = overlay.series.slice(Math.max(0, (used[0] ?? 0) - 1), (used.at(-1) ?? 0) + 2);
    const xs = series.map((b) => Number(BigInt(b.startTimeUnixNano) / 1_000_000_000n));
    const ys = versions.map((version) =>
      series.map((b) => {
        const s = b.versions.find((v) => v.version === version);
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
          ...versions.map((v, i) => ({
            label: v,
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
  }, [overlay, metric]);
  return (
    <figure class="chart">
      <figcaption>{metric.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}
