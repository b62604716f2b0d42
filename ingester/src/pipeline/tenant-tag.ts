// Stamps every resource with the tenant the credential proved (`koder.tenant`), replacing whatever a
// client may have put there: tenant identity never comes from the client's data. Every client copy of
// the key is removed (a repeated key must not leave a second, client-chosen tenant behind).
import type { TraceBatch } from '../otlp/model.ts';

export const TENANT_ATTRIBUTE = 'koder.tenant';

export function tagTenant(batch: TraceBatch, tenant: string): void {
  for (const rs of batch.resourceSpans) {
    const attrs = rs.resource.attributes;
    let kept = 0;
    for (const a of attrs) if (a.key !== TENANT_ATTRIBUTE) attrs[kept++] = a;
    attrs.length = kept;
    attrs.push({ key: TENANT_ATTRIBUTE, value: tenant });
  }
}
