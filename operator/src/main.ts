#!/usr/bin/env node
// `operator [--kubeconfig FILE] …`: the operator as a program. The only place that reads argv, the
// environment and signals; app.ts assembles the rest.
import { pino } from 'pino';
import { startOperator } from './app.ts';
import { parseOperatorArgs, USAGE } from './config.ts';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}
const cfg = parseOperatorArgs(process.argv.slice(2), process.env);
const log = pino({ name: 'operator', level: cfg.logLevel });
try {
  const operator = await startOperator(cfg, { logger: log });
  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await operator.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'operator failed to start');
  process.exit(1);
}
