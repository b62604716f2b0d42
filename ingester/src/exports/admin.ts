// `@koder-trace/ingester/admin`: the admin port (/metrics, /healthz, /readyz, optional bearer token,
// extra routes), so the operator serves the same one rather than a second admin server.
export { type AdminDeps, type AdminRoute, type AdminUrl, createAdminServer } from '../admin/server.ts';
