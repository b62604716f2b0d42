// `@koder-trace/ingester/registry-webhook`: how prompt-registry webhooks are signed and what they carry,
// for receivers (and tests) that verify them.
export type { RatingPayload } from '../registry-webhook/payload.ts';
export {
  DELIVERY_ID_HEADER,
  SIGNATURE_HEADER,
  signBody,
  verifySignature,
} from '../registry-webhook/signature.ts';
