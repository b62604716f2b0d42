// `@koder-trace/ingester/tenants`: token → tenant resolution, shared with the query service so both
// authenticate a token the same way.
export {
  buildRegistry,
  buildTenantAuth,
  SINGLE_TENANT_ID,
  sha256Hex,
  type TenantAuth,
  type TenantRegistry,
  type TenantRuntime,
} from '../tenants/registry.ts';
