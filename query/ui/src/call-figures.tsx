// The columns the prompt overlay and the dashboard show for a set of LLM calls: calls, rating, error
// rate, latency p50/p95, tokens in / out and cost (reweighted by sampling, as the API gives them).
import type { CostTotal } from './format.ts';
import * as fmt from './format.ts';

export const FIGURE_HEADS = [
  'Calls',
  'Rating',
  'Error rate',
  'Latency p50',
  'Latency p95',
  'Tokens in / out',
  'Cost',
];

export interface CallFigures extends CostTotal {
  calls: number;
  rating: { average: number; count: number } | null;
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  input: number;
  output: number;
}

const ms = (n: number | null) => (n === null ? '—' : fmt.duration(n));

export function FigureCells({ f }: { f: CallFigures }) {
  return (
    <>
      <td class="num">{Math.round(f.calls)}</td>
      <td class="num">{fmt.rating(f.rating)}</td>
      <td class="num">{fmt.percent(f.errorRate)}</td>
      <td class="num">{ms(f.latencyP50Ms)}</td>
      <td class="num">{ms(f.latencyP95Ms)}</td>
      <td class="num">
        {fmt.tokens(Math.round(f.input))} / {fmt.tokens(Math.round(f.output))}
      </td>
      <td class="num" title={fmt.costWhy(f)}>
        {fmt.cost(f)}
      </td>
    </>
  );
}
