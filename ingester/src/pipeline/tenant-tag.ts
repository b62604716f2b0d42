// Stamps every resource with the tenant the credential proved (`koder.tenant`), replacing whatever a
// client may have put there: tenant identity never comes from the client's data.
import { setAttribute, type TraceBatch } from '../otlp/model.ts';

export const TENANT_ATTRIBUTE = 'koder.tenant';

export function tagTenant(batch: TraceBatch, tenant: string): void {
  for (const rs of batch.resourceSpans) setAttribute(rs.resource.attributes, TENANT_ATTRIBUTE, tenant);
}
