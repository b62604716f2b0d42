// fast-check generators shared by the decoders' property tests and the fuzz suite: JSON values shaped
// like OTLP's (the AnyValue keys, enum-like and out-of-range strings, keys that find Object's members).
import fc from 'fast-check';

const OTLP_KEYS = [
  'stringValue',
  'intValue',
  'doubleValue',
  'kvlistValue',
  'arrayValue',
  'values',
  'key',
  'value',
  'kind',
  'code',
  'constructor',
  '__proto__',
];

/** Any JSON value, small, made mostly of what an OTLP/JSON span field could hold. */
export const otlpJsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 20 }),
    fc.double(),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('NaN', '18446744073709551615', '-1', 'constructor', '__proto__', '9'.repeat(40)),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...OTLP_KEYS), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** The span fields a generated value is put at. */
export const jsonSpanField = fc.constantFrom(
  'attributes',
  'kind',
  'status',
  'events',
  'links',
  'startTimeUnixNano',
  'traceId',
  'flags',
);
