// The part of TraceQL the query service writes, parsed as strictly as Tempo parses it and evaluated
// over stored spans: the stand-in's query language (tempo-standin.ts). Written from reading Tempo's
// source (v2.8.2 and v3.0.x; nothing copied): the lexer rules come from pkg/traceql/lexer.go, the
// grammar from pkg/traceql/expr.y, the checks after parsing from pkg/traceql/ast_validate.go.
//
// Supported: spanset filters `{ … }` joined by `&&` / `||` (and parenthesised), field expressions with
// `&&`, `||`, `!`, unary `-`, comparisons `= != > >= < <=`, `!= nil`, regular expressions `=~ !~`
// (fully anchored, as Tempo's matcher runs them; see re2 below); statics (strings, integers,
// floats, durations, true/false, ok/error/unset, span kinds); intrinsics name, status, kind, duration,
// statusMessage, rootName, rootServiceName, traceDuration; attributes `.a`, `span.a`, `resource.a`
// (quoted parts allowed); hints `with (k=v, …)`. Anything else — pipelines, aggregates, structural
// operators, pipelines but `| select(…)` of attributes — is refused with a 400 as unsupported *by the stand-in*, so a test that needs
// it fails loudly instead of passing on a wrong answer.

export class TraceQLError extends Error {
  override name = 'TraceQLError';
}

// ---------------------------------------------------------------------------------------------------
// Lexer (pkg/traceql/lexer.go: Go's text/scanner for strings and numbers, attribute runes after a dot)

type Tok =
  | { k: 'str'; v: string; at: number }
  | { k: 'int'; v: bigint; at: number }
  | { k: 'float'; v: number; at: number }
  | { k: 'dur'; v: bigint; at: number }
  | { k: 'attr'; scope: 'span' | 'resource' | 'none'; v: string; at: number }
  | { k: 'word'; v: string; at: number }
  | { k: 'op'; v: string; at: number };

const INT64_MAX = 2n ** 63n - 1n;
const KEYWORDS = new Set([
  'true',
  'false',
  'nil',
  'ok',
  'error',
  'unset',
  'unspecified',
  'internal',
  'server',
  'client',
  'producer',
  'consumer',
  'name',
  'status',
  'statusMessage',
  'kind',
  'duration',
  'rootName',
  'rootServiceName',
  'traceDuration',
  'with',
]);
// The operators of the lexer's token table; the ones this subset does not evaluate are refused later.
const OPS = [
  '!>>',
  '!<<',
  '&>>',
  '&<<',
  '!=',
  '=~',
  '!~',
  '>=',
  '<=',
  '&&',
  '||',
  '>>',
  '<<',
  '!>',
  '!<',
  '&~',
  '&>',
  '&<',
  '=',
  '>',
  '<',
  '+',
  '-',
  '/',
  '%',
  '*',
  '^',
  '!',
  '|',
  '~',
  '{',
  '}',
  '(',
  ')',
  ',',
];

/** A rune that continues an attribute name (isAttributeRune). */
const attributeRune = (c: string | undefined) => c !== undefined && !/[\s{}()=~!<>&|^,]/.test(c);

// Duration units: Prometheus' (y w d h m s ms) first, then Go's (ns us µs ms s m h), as parseDuration.
const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

function parseDurationText(text: string): bigint | undefined {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) return undefined;
  let ns = 0n;
  for (const [, num, unit] of parts) {
    const [whole, frac = ''] = (num as string).split('.');
    const u = UNIT_NS[unit as string] as bigint;
    ns += BigInt(whole as string) * u + (frac ? (BigInt(frac) * u) / 10n ** BigInt(frac.length) : 0n);
  }
  return ns > INT64_MAX ? undefined : ns;
}

const GO_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** Go's strconv.Unquote of a double-quoted literal, after text/scanner refused raw newlines. */
function unquoteGo(body: string, at: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e !== undefined && e in GO_ESCAPES) out += GO_ESCAPES[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw lexError(at, 'invalid syntax');
      const cp = Number.parseInt(hex, 16);
      if (e !== 'x' && (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
        throw lexError(at, 'invalid syntax');
      out += e === 'x' ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      i += n;
    } else if (e !== undefined && /[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || Number.parseInt(oct, 8) > 255) throw lexError(at, 'invalid syntax');
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else throw lexError(at, 'invalid syntax');
  }
  return out;
}

const lexError = (at: number, msg: string) =>
  new TraceQLError(`parse error at line 1, col ${at + 1}: ${msg}`);

export function lex(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let attributeNext: 'span' | 'resource' | 'none' | undefined;
  while (i < q.length) {
    const c = q[i] as string;
    if (attributeNext) {
      // After `.`, `span.` or `resource.`: attribute runes, with "quoted" parts (\" and \\ only).
      const at = i;
      let name = '';
      while (i < q.length) {
        const r = q[i] as string;
        if (r === '"') {
          i++;
          let closed = false;
          while (i < q.length) {
            const p = q[i] as string;
            if (p === '"') {
              i++;
              closed = true;
              break;
            }
            if (p === '\\') {
              const e = q[i + 1];
              if (e !== '"' && e !== '\\') throw lexError(i, 'invalid escape sequence');
              name += e;
              i += 2;
            } else {
              name += p;
              i++;
            }
          }
          if (!closed) throw lexError(at, 'unexpected EOF, expecting "');
        } else if (attributeRune(r)) {
          name += r;
          i++;
        } else break;
      }
      if (!name) throw lexError(at, 'syntax error: unexpected END_ATTRIBUTE, expecting IDENTIFIER');
      out.push({ k: 'attr', scope: attributeNext, v: name, at });
      attributeNext = undefined;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === '"') {
      // text/scanner: a string ends at the next unescaped quote; a newline or EOF first is an error.
      let j = i + 1;
      while (j < q.length && q[j] !== '"' && q[j] !== '\n') j += q[j] === '\\' ? 2 : 1;
      if (j >= q.length || q[j] !== '"') throw lexError(at, 'literal not terminated');
      out.push({ k: 'str', v: unquoteGo(q.slice(i + 1, j), at), at });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = q.indexOf('`', i + 1);
      if (j < 0) throw lexError(at, 'literal not terminated');
      out.push({ k: 'str', v: q.slice(i + 1, j).replace(/\r/g, ''), at });
      i = j + 1;
      continue;
    }
    if (/\d/.test(c)) {
      const num = /^\d+(\.\d+)?/.exec(q.slice(i))?.[0] as string;
      i += num.length;
      // tryScanDuration: the runes up to the next space that are digits, '.', or duration runes.
      const tail = /^[\dnsumhµdwy.]*/.exec(q.slice(i))?.[0] ?? '';
      if (tail) {
        const ns = parseDurationText(num + tail);
        if (ns !== undefined) {
          out.push({ k: 'dur', v: ns, at });
          i += tail.length;
          continue;
        }
      }
      if (num.includes('.')) out.push({ k: 'float', v: Number(num), at });
      else {
        const v = BigInt(num);
        if (v > INT64_MAX)
          throw lexError(at, `strconv.Atoi: parsing ${JSON.stringify(num)}: value out of range`);
        out.push({ k: 'int', v, at });
      }
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_]\w*/.exec(q.slice(i))?.[0] as string;
      i += word.length;
      if ((word === 'span' || word === 'resource') && q[i] === '.') {
        i++;
        attributeNext = word;
        continue;
      }
      if (q[i] === '.' || q[i] === ':')
        throw lexError(at, `${word}${q[i]} scopes are not supported by the stand-in`);
      out.push({ k: 'word', v: word, at });
      continue;
    }
    if (c === '.') {
      i++;
      attributeNext = 'none';
      continue;
    }
    const op = OPS.find((o) => q.startsWith(o, i));
    if (!op) throw lexError(at, `syntax error: unexpected ${JSON.stringify(c)}`);
    out.push({ k: 'op', v: op, at });
    i += op.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Parser (expr.y: root → spanset expression [hints]; spansetFilter → { fieldExpression })

export type Value =
  | { t: 'string'; v: string }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'duration'; v: bigint }
  | { t: 'status'; v: number }
  | { t: 'kind'; v: number }
  | { t: 'nil' };

type Intrinsic =
  | 'name'
  | 'status'
  | 'statusMessage'
  | 'kind'
  | 'duration'
  | 'rootName'
  | 'rootServiceName'
  | 'traceDuration';

export type Field =
  | { e: 'static'; v: Value }
  | { e: 'intrinsic'; name: Intrinsic }
  | { e: 'attr'; scope: 'span' | 'resource' | 'none'; name: string }
  | { e: 'bin'; op: string; l: Field; r: Field }
  | { e: 'not'; x: Field }
  | { e: 'neg'; x: Field }
  | { e: 'exists'; x: Field }
  /** `x =~ "re"` / `x !~ "re"`: the pattern compiled as Tempo's matcher runs it (fully anchored). */
  | { e: 'regex'; x: Field; op: '=~' | '!~'; source: string; re: RegExp };

export type Spanset = { s: 'filter'; f: Field | null } | { s: 'op'; op: '&&' | '||'; l: Spanset; r: Spanset };

/** An attribute as a query names it: `span.a`, `resource.a` or unscoped `.a`. */
export interface AttrRef {
  scope: 'span' | 'resource' | 'none';
  name: string;
}

export interface Query {
  root: Spanset;
  hints: Map<string, Value>;
  /** `| select(…)`: attributes returned with each matched span (engine.go asTraceSearchMetadata). */
  select: AttrRef[];
}

const STATUS: Record<string, number> = { unset: 0, ok: 1, error: 2 };
const KINDS: Record<string, number> = {
  unspecified: 0,
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
};
const INTRINSIC_TYPES: Record<Intrinsic, Value['t']> = {
  name: 'string',
  status: 'status',
  statusMessage: 'string',
  kind: 'kind',
  duration: 'duration',
  rootName: 'string',
  rootServiceName: 'string',
  traceDuration: 'duration',
};
const COMPARE = new Set(['=', '!=', '>', '>=', '<', '<=']);
const UNSUPPORTED_OPS = new Set(['+', '-', '*', '/', '%', '^']);

/**
 * A Go RE2 pattern as Tempo's matcher runs it (pkg/regexp: Prometheus' FastRegexMatcher, which wraps
 * the pattern in ^(?s:…)$), in JavaScript. What RE2 refuses the stand-in refuses too: lookaround and
 * backreferences ("invalid or unsupported Perl syntax"), and a pattern that does not compile. Inline
 * flags are supported at the start only (`(?i)`), as JavaScript has no bare inline flags.
 */
function re2(pattern: string): RegExp {
  let body = pattern;
  let flags = 'su';
  const inline = /^\(\?([imsU]+)\)/.exec(body);
  if (inline) {
    if (/[mU]/.test(inline[1] as string)) throw new TraceQLError(`unsupported by the stand-in: ${inline[0]}`);
    if (inline[1]?.includes('i')) flags += 'i';
    body = body.slice(inline[0].length);
  }
  if (/\(\?[=!<]|\\[1-9]|\(\?[a-zA-Z]/.test(body))
    throw new TraceQLError(
      `error parsing regexp: invalid or unsupported Perl syntax in ${JSON.stringify(pattern)}`,
    );
  try {
    return new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw new TraceQLError(`error parsing regexp: ${(err as Error).message}`);
  }
}

export function parse(q: string): Query {
  const toks = lex(q);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => {
    const t = toks[p];
    return t?.k === 'op' && t.v === v;
  };
  const isWord = (v: string) => {
    const t = toks[p];
    return t?.k === 'word' && t.v === v;
  };
  const fail = (msg: string): never => {
    const t = toks[p];
    throw lexError(t ? t.at : q.length, msg);
  };
  const unexpected = () => {
    const t = peek();
    return fail(`syntax error: unexpected ${t ? JSON.stringify(String(t.v)) : '$end'}`);
  };
  const expectOp = (v: string) => {
    if (!isOp(v)) unexpected();
    p++;
  };

  function staticOf(t: Tok | undefined): Value | undefined {
    if (!t) return undefined;
    if (t.k === 'str') return { t: 'string', v: t.v };
    if (t.k === 'int') return { t: 'int', v: t.v };
    if (t.k === 'float') return { t: 'float', v: t.v };
    if (t.k === 'dur') return { t: 'duration', v: t.v };
    if (t.k !== 'word') return undefined;
    if (t.v === 'true' || t.v === 'false') return { t: 'bool', v: t.v === 'true' };
    if (t.v in STATUS) return { t: 'status', v: STATUS[t.v] as number };
    if (t.v in KINDS) return { t: 'kind', v: KINDS[t.v] as number };
    return undefined;
  }

  function primary(): Field {
    const t = peek();
    if (!t) return unexpected();
    if (t.k === 'op' && t.v === '(') {
      p++;
      const f = orField();
      expectOp(')');
      return f;
    }
    if (t.k === 'op' && t.v === '!') {
      p++;
      return { e: 'not', x: primary() };
    }
    if (t.k === 'op' && t.v === '-') {
      p++;
      return { e: 'neg', x: primary() };
    }
    if (t.k === 'attr') {
      p++;
      return { e: 'attr', scope: t.scope, name: t.v };
    }
    const s = staticOf(t);
    if (s) {
      p++;
      return { e: 'static', v: s };
    }
    if (t.k === 'word' && t.v in INTRINSIC_TYPES) {
      p++;
      return { e: 'intrinsic', name: t.v as Intrinsic };
    }
    if (t.k === 'word' && t.v === 'nil') return fail('nil is only supported as "!= nil" by the stand-in');
    if (t.k === 'word' && !KEYWORDS.has(t.v)) return fail(`unsupported by the stand-in: ${t.v}`);
    return unexpected();
  }

  function comparison(): Field {
    const l = primary();
    const t = peek();
    if (t?.k === 'op' && UNSUPPORTED_OPS.has(t.v))
      return fail(`operator ${t.v} is not supported by the stand-in`);
    if (t?.k === 'op' && (t.v === '=~' || t.v === '!~')) {
      p++;
      const r = primary();
      // ast_validate.go: the right side is a string, compiled when the query is parsed.
      if (r.e !== 'static' || r.v.t !== 'string')
        return fail(`illegal operation for the given types: ${show(l)} ${t.v} ${show(r)}`);
      const source = r.v.v as string;
      return { e: 'regex', x: l, op: t.v, source, re: re2(source) };
    }
    if (t?.k !== 'op' || !COMPARE.has(t.v)) return l;
    p++;
    if (t.v === '!=' && isWord('nil')) {
      p++;
      return { e: 'exists', x: l };
    }
    if (t.v === '=' && isWord('nil')) return fail('unsupported: {.a = nil}');
    return { e: 'bin', op: t.v, l, r: primary() };
  }

  function andField(): Field {
    let l = comparison();
    while (isOp('&&')) {
      p++;
      l = { e: 'bin', op: '&&', l, r: comparison() };
    }
    return l;
  }

  function orField(): Field {
    let l = andField();
    while (isOp('||')) {
      p++;
      l = { e: 'bin', op: '||', l, r: andField() };
    }
    return l;
  }

  function spansetTerm(): Spanset {
    if (isOp('(')) {
      p++;
      const s = spansetOr();
      expectOp(')');
      return s;
    }
    expectOp('{');
    if (isOp('}')) {
      p++;
      return { s: 'filter', f: null };
    }
    const f = orField();
    expectOp('}');
    return { s: 'filter', f };
  }

  function spansetAnd(): Spanset {
    let l = spansetTerm();
    while (isOp('&&')) {
      p++;
      l = { s: 'op', op: '&&', l, r: spansetTerm() };
    }
    return l;
  }

  function spansetOr(): Spanset {
    let l = spansetAnd();
    while (isOp('||')) {
      p++;
      l = { s: 'op', op: '||', l, r: spansetAnd() };
    }
    return l;
  }

  if (!toks.length) fail('syntax error: unexpected $end');
  const root = spansetOr();
  // The one pipeline stage the stand-in runs: `| select(attribute, …)`.
  const select: AttrRef[] = [];
  while (isOp('|')) {
    p++;
    if (!isWord('select')) fail('pipelines other than select() are not supported by the stand-in');
    p++;
    expectOp('(');
    for (;;) {
      const f = primary();
      if (f.e !== 'attr') fail(`unsupported by the stand-in: select(${show(f)})`);
      else select.push({ scope: f.scope, name: f.name });
      if (!isOp(',')) break;
      p++;
    }
    expectOp(')');
  }
  const hints = new Map<string, Value>();
  while (isWord('with')) {
    p++;
    expectOp('(');
    for (;;) {
      const name = peek();
      if (name?.k !== 'word') unexpected();
      p++;
      expectOp('=');
      const v = staticOf(peek());
      if (!v) unexpected();
      p++;
      hints.set(String(name?.v), v as Value);
      if (isOp(',')) {
        p++;
        continue;
      }
      break;
    }
    expectOp(')');
  }
  if (p < toks.length) {
    const t = peek();
    if (t?.k === 'op' && t.v === '|') fail('pipelines are not supported by the stand-in');
    unexpected();
  }
  validateSpanset(root);
  return { root, hints, select };
}

// ast_validate.go: a filter resolves to a boolean; both sides of a binary operation have the same type.
type Implied = Value['t'] | 'attribute' | 'boolean';

function implied(f: Field): Implied {
  switch (f.e) {
    case 'static':
      return f.v.t === 'bool' ? 'boolean' : f.v.t;
    case 'intrinsic':
      return INTRINSIC_TYPES[f.name];
    case 'attr':
      return 'attribute';
    case 'bin':
      return f.op === '&&' || f.op === '||' || COMPARE.has(f.op) ? 'boolean' : implied(f.l);
    case 'not':
    case 'exists':
    case 'regex':
      return 'boolean';
    case 'neg':
      return implied(f.x);
  }
}

const NUMERIC = new Set<Implied>(['int', 'float', 'duration']);
const matching = (a: Implied, b: Implied) =>
  a === b || a === 'attribute' || b === 'attribute' || (NUMERIC.has(a) && NUMERIC.has(b));

function validateField(f: Field): void {
  if (f.e === 'bin') {
    validateField(f.l);
    validateField(f.r);
    const lt = implied(f.l);
    const rt = implied(f.r);
    if (!matching(lt, rt))
      throw new TraceQLError(`binary operations must operate on the same type: ${show(f)}`);
    if ((f.op === '&&' || f.op === '||') && ![lt, rt].every((t) => t === 'boolean' || t === 'attribute'))
      throw new TraceQLError(`illegal operation for the given types: ${show(f)}`);
  } else if (f.e === 'not') {
    validateField(f.x);
    const t = implied(f.x);
    if (t !== 'boolean' && t !== 'attribute')
      throw new TraceQLError(`illegal operation for the given type: ${show(f)}`);
  } else if (f.e === 'neg') {
    validateField(f.x);
    const t = implied(f.x);
    if (!NUMERIC.has(t) && t !== 'attribute')
      throw new TraceQLError(`illegal operation for the given type: ${show(f)}`);
  } else if (f.e === 'exists' || f.e === 'regex') validateField(f.x);
}

function validateSpanset(s: Spanset): void {
  if (s.s === 'op') {
    validateSpanset(s.l);
    validateSpanset(s.r);
    return;
  }
  if (!s.f) return;
  validateField(s.f);
  const t = implied(s.f);
  if (t !== 'boolean' && t !== 'attribute')
    throw new TraceQLError(`span filter field expressions must resolve to a boolean: { ${show(s.f)} }`);
}

function show(f: Field): string {
  switch (f.e) {
    case 'static':
      return f.v.t === 'nil' ? 'nil' : f.v.t === 'string' ? JSON.stringify(f.v.v) : String(f.v.v);
    case 'intrinsic':
      return f.name;
    case 'attr':
      return `${f.scope === 'none' ? '' : f.scope}.${f.name}`;
    case 'bin':
      return `${show(f.l)} ${f.op} ${show(f.r)}`;
    case 'not':
      return `!${show(f.x)}`;
    case 'neg':
      return `-${show(f.x)}`;
    case 'exists':
      return `${show(f.x)} != nil`;
    case 'regex':
      return `${show(f.x)} ${f.op} ${JSON.stringify(f.source)}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Evaluation over one trace

export interface EvalSpan {
  name: string;
  status: number;
  statusMessage: string;
  kind: number;
  durationNs: bigint;
  attributes: Map<string, Value>;
  resource: Map<string, Value>;
}

export interface EvalTrace {
  rootName: string | undefined;
  rootServiceName: string | undefined;
  durationNs: bigint;
  spans: EvalSpan[];
}

type Result = Value | undefined; // undefined: the attribute is absent (nil)

function evalField(f: Field, s: EvalSpan, t: EvalTrace): Result {
  switch (f.e) {
    case 'static':
      return f.v;
    case 'intrinsic':
      switch (f.name) {
        case 'name':
          return { t: 'string', v: s.name };
        case 'status':
          return { t: 'status', v: s.status };
        case 'statusMessage':
          return { t: 'string', v: s.statusMessage };
        case 'kind':
          return { t: 'kind', v: s.kind };
        case 'duration':
          return { t: 'duration', v: s.durationNs };
        case 'rootName':
          return t.rootName === undefined ? undefined : { t: 'string', v: t.rootName };
        case 'rootServiceName':
          return t.rootServiceName === undefined ? undefined : { t: 'string', v: t.rootServiceName };
        case 'traceDuration':
          return { t: 'duration', v: t.durationNs };
      }
      return undefined;
    case 'attr':
      // Unscoped: the span's attribute, else the resource's.
      if (f.scope === 'span') return s.attributes.get(f.name);
      if (f.scope === 'resource') return s.resource.get(f.name);
      return s.attributes.get(f.name) ?? s.resource.get(f.name);
    case 'exists':
      return { t: 'bool', v: evalField(f.x, s, t) !== undefined };
    case 'regex': {
      // Strings only; any other value (or none) matches neither =~ nor !~.
      const v = evalField(f.x, s, t);
      return { t: 'bool', v: v?.t === 'string' && f.re.test(v.v as string) === (f.op === '=~') };
    }
    case 'not': {
      const v = evalField(f.x, s, t);
      return v?.t === 'bool' ? { t: 'bool', v: !v.v } : undefined;
    }
    case 'neg': {
      const v = evalField(f.x, s, t);
      if (v?.t === 'int' || v?.t === 'duration') return { t: v.t, v: -v.v };
      if (v?.t === 'float') return { t: 'float', v: -v.v };
      return undefined;
    }
    case 'bin': {
      if (f.op === '&&' || f.op === '||') {
        const l = evalField(f.l, s, t);
        const lb = l?.t === 'bool' && l.v;
        if (f.op === '&&' && !lb) return { t: 'bool', v: false };
        if (f.op === '||' && lb) return { t: 'bool', v: true };
        const r = evalField(f.r, s, t);
        return { t: 'bool', v: r?.t === 'bool' && r.v };
      }
      const l = evalField(f.l, s, t);
      const r = evalField(f.r, s, t);
      if (!l || !r) return { t: 'bool', v: false }; // a comparison with nil is false, != too
      const c = compare(l, r);
      if (c === undefined) return { t: 'bool', v: false };
      const ok =
        f.op === '='
          ? c === 0
          : f.op === '!='
            ? c !== 0
            : f.op === '>'
              ? c > 0
              : f.op === '>='
                ? c >= 0
                : f.op === '<'
                  ? c < 0
                  : c <= 0;
      return { t: 'bool', v: ok };
    }
  }
}

/** Typed compare: numbers with numbers, else same types only (a string never equals an int). */
function compare(a: Value, b: Value): number | undefined {
  const num = (v: Value) =>
    v.t === 'int' || v.t === 'duration' ? Number(v.v) : v.t === 'float' ? v.v : undefined;
  if ((a.t === 'int' || a.t === 'duration') && a.t === b.t) return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  const an = num(a);
  const bn = num(b);
  if (an !== undefined && bn !== undefined) return an < bn ? -1 : an > bn ? 1 : 0;
  if (a.t !== b.t || a.t === 'nil' || b.t === 'nil') return undefined;
  const av = a.v as string | number | boolean;
  const bv = b.v as string | number | boolean;
  return av < bv ? -1 : av > bv ? 1 : 0;
}

/** The spans of the trace the query matches (empty when the trace does not match). */
export function matchTrace(q: Query, t: EvalTrace): EvalSpan[] {
  const run = (s: Spanset): EvalSpan[] => {
    if (s.s === 'filter') {
      const f = s.f;
      return f
        ? t.spans.filter((sp) => {
            const v = evalField(f, sp, t);
            return v?.t === 'bool' && v.v;
          })
        : t.spans;
    }
    const l = run(s.l);
    const r = run(s.r);
    if (s.op === '&&') return l.length && r.length ? [...new Set([...l, ...r])] : [];
    return [...new Set([...l, ...r])];
  };
  return run(q.root);
}
