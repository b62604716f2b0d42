// The W3C tracestate header as far as sampling needs it: the `ot` entry's `th` and `rv` sub-keys.
// Other vendors' entries are kept as they are; a modified `ot` entry moves to the front (W3C rule).

export interface OtState {
  th?: string;
  rv?: string;
  /** `ot` sub-keys we do not interpret, kept in order. */
  rest: string[];
  /** The other vendors' list members, kept in order. */
  others: string[];
}

export function parseTraceState(ts: string): OtState {
  const out: OtState = { rest: [], others: [] };
  if (!ts) return out;
  for (const member of ts.split(',')) {
    const m = member.trim();
    if (!m) continue;
    if (!m.startsWith('ot=')) {
      out.others.push(m);
      continue;
    }
    for (const sub of m.slice(3).split(';')) {
      if (sub.startsWith('th:')) out.th = sub.slice(3);
      else if (sub.startsWith('rv:')) out.rv = sub.slice(3);
      else if (sub) out.rest.push(sub);
    }
  }
  return out;
}

export function formatTraceState(s: OtState): string {
  const ot = [
    ...(s.th !== undefined ? [`th:${s.th}`] : []),
    ...(s.rv !== undefined ? [`rv:${s.rv}`] : []),
    ...s.rest,
  ];
  return [...(ot.length ? [`ot=${ot.join(';')}`] : []), ...s.others].join(',');
}
