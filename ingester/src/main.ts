#!/usr/bin/env node
// `ingester --config <file>`: the ingester as a program. The only place that reads argv and signals.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startIngester } from './app.ts';

const { values } = parseArgs({
  options: {
    config: { type: 'string', short: 'c' },
    'log-level': { type: 'string', default: 'info' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: ingester [--config <file.yaml|json>] [--log-level info]\nWith no config: export to 127.0.0.1:4317 and refuse every request until tenants are configured\n(`auth: none` in the config is single-tenant mode: no token needed).',
  );
  process.exit(0);
}
const log = pino({ name: 'ingester', level: values['log-level'] });

// In a cluster the operator writes the config after the pods start (the ConfigMap is mounted as
// optional): wait for the file instead of crash-looping. The pod stays unready until then.
if (values.config && !existsSync(values.config)) {
  log.info({ config: values.config }, 'waiting for the config file to appear');
  while (!existsSync(values.config)) await new Promise((r) => setTimeout(r, 1000));
}
try {
  const ingester = await startIngester({
    ...(values.config ? { configPath: values.config } : {}),
    logger: log,
    // A check for tests and debugging: a pooled buffer read after it was given back reads as 0xdb.
    poisonPooledBuffers: process.env.KODER_POISON_POOLED_BUFFERS === '1',
  });
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    const left = await ingester.stop();
    process.exit(left > 0 ? 1 : 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'ingester failed to start');
  process.exit(1);
}
