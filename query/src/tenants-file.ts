// The tenants and tokens the query service authenticates with, from the ingester config file the
// operator writes (token hashes only), followed as it changes: token → tenant only, nothing compiled.
// Used by the programs that run in a cluster (main.ts over Tempo, embedded.ts over the embedded store).
import { existsSync, readFileSync, watchFile } from 'node:fs';
import { parseConfig } from '@koder-trace/ingester/config';
import { buildTenantAuth, type TenantAuth } from '@koder-trace/ingester/tenants';
import type { Logger } from 'pino';

/**
 * Waits for the file (the operator writes it after the pods start: waiting beats crash-looping), then
 * returns a getter of the registry in force. A refused file keeps the previous tenants; a refused
 * first file ends the program.
 */
export async function followTenants(path: string, log: Logger): Promise<() => TenantAuth> {
  const load = (previous: TenantAuth | undefined): TenantAuth | undefined => {
    const r = parseConfig(readFileSync(path, 'utf8'));
    if (!r.ok) {
      log.error({ errors: r.errors }, 'config refused; keeping the previous tenants');
      return previous;
    }
    return buildTenantAuth(r.config);
  };
  while (!existsSync(path)) {
    log.info({ config: path }, 'waiting for the config file to appear');
    await new Promise((r) => setTimeout(r, 2000));
  }
  let registry = load(undefined);
  if (!registry) process.exit(1);
  watchFile(path, { interval: 1000 }, () => {
    registry = load(registry);
  });
  return () => registry as TenantAuth;
}
