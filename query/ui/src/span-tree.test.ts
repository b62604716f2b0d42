import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Span } from './api.ts';
import {
  ancestors,
  buildTree,
  initiallyCollapsed,
  nextSpan,
  spanMatches,
  spanRole,
  visibleRows,
} from './span-tree.ts';

const span = (spanId: string, parentSpanId: string | null, offsetMs = 0, attributes = {}): Span => ({
  spanId,
  parentSpanId,
  name: spanId,
  kind: 'internal',
  service: 's',
  startTimeUnixNano: '0',
  offsetMs,
  durationMs: 1,
  status: { code: 'unset', message: '' },
  error: false,
  costUsd: null,
  usageRollup: false,
  adjustedCount: 1,
  attributes,
  resource: {},
  events: [],
  links: [],
});

describe('span tree', () => {
  const spans = [
    span('b', 'root', 5),
    span('root', null),
    span('a', 'root', 1),
    span('a1', 'a', 2),
    span('orphan', 'gone', 3),
  ];

  it('orders children by start and shows spans whose parent is missing as roots', () => {
    const rows = visibleRows(buildTree(spans), new Set());
    expect(rows.map((r) => `${'-'.repeat(r.depth)}${r.span.spanId}`)).toEqual([
      'root',
      '-a',
      '--a1',
      '-b',
      'orphan',
    ]);
  });

  it('hides what lies under a collapsed span, and finds the way back to a span', () => {
    const tree = buildTree(spans);
    expect(visibleRows(tree, new Set(['a'])).map((r) => r.span.spanId)).toEqual(['root', 'a', 'b', 'orphan']);
    expect(ancestors(tree, 'a1')).toEqual(['a', 'root']);
  });

  it('opens large traces at the root’s children', () => {
    const many = [
      span('r', null),
      ...Array.from({ length: 300 }, (_, i) => span(`c${i}`, i < 10 ? 'r' : `c${i % 10}`)),
    ];
    const tree = buildTree(many);
    expect(visibleRows(tree, initiallyCollapsed(tree))).toHaveLength(11);
    expect(initiallyCollapsed(buildTree(spans)).size).toBe(0);
  });

  it('names GenAI roles from the operation', () => {
    expect(spanRole(span('x', null, 0, { 'gen_ai.operation.name': 'chat' }))).toBe('llm');
    expect(spanRole(span('x', null, 0, { 'gen_ai.operation.name': 'execute_tool' }))).toBe('tool');
    expect(spanRole(span('x', null, 0, { 'koder.rating.score': 1 }))).toBe('rating');
    expect(spanRole(span('x', null, 0))).toBeNull();
  });

  it('shows every span exactly once when nothing is collapsed, whatever the links (even cycles)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(30), { minLength: 1, maxLength: 60 }), (parents) => {
        const list = parents.map((p, i) => span(`s${i}`, p === i ? null : `s${p}`, i));
        const ids = visibleRows(buildTree(list), new Set()).map((r) => r.span.spanId);
        expect([...ids].sort()).toEqual(list.map((s) => s.spanId).sort());
      }),
    );
  });
});

describe('find in a trace', () => {
  const tree = buildTree([
    span('root', null),
    {
      ...span('chat', 'root', 1),
      genAi: { usage: {}, inputMessages: [{ parts: [{ content: 'Où est mon colis ?' }] }] },
    } as Span,
    {
      ...span('tool', 'root', 2),
      error: true,
      status: { code: 'error', message: 'order service timed out' },
    },
    { ...span('late', 'tool', 3), error: true, attributes: { 'http.url': 'https://api.example/ORDERS/42' } },
  ]);

  it('matches names, messages, status messages and attribute values, case folded', () => {
    const hits = (q: string) => [...tree.byId.values()].filter((s) => spanMatches(s, q)).map((s) => s.spanId);
    expect(hits('COLIS')).toEqual(['chat']);
    expect(hits('timed out')).toEqual(['tool']);
    expect(hits('orders/42')).toEqual(['late']);
    expect(hits('   ')).toEqual([]);
  });

  it('goes to the next error in tree order, collapsed or not, wrapping around', () => {
    const error = (s: Span) => s.error;
    expect(nextSpan(tree, null, error)?.spanId).toBe('tool');
    expect(nextSpan(tree, 'tool', error)?.spanId).toBe('late');
    expect(nextSpan(tree, 'late', error)?.spanId).toBe('tool');
    expect(nextSpan(tree, 'root', () => false)).toBeUndefined();
  });
});
