/** Input that is not a valid OTLP trace export; its message says where and why (sent back as 400). */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}
