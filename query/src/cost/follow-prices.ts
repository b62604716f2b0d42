// The price table of a running service: the shipped prices with the --prices file over them, read
// again whenever that file changes, so a price fix (a ConfigMap edit in a cluster) needs no restart.
// The table object is the one the query server holds: a reload replaces its entries in place. A file
// that no longer parses is reported and the prices in force are kept.
import { readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_PRICES, DEFAULT_PRICES_DATE, type PriceTable, parsePrices } from './prices.ts';

/** How long changes settle before the file is read (editors and ConfigMap updates write in steps). */
const SETTLE_MS = 200;

export interface FollowedPrices {
  table: PriceTable;
  /** Reads the file now (what a change does); true when the new prices are in force. */
  reload(): boolean;
  close(): void;
}

export function followPrices(file: string | undefined, log: Pick<Logger, 'info' | 'error'>): FollowedPrices {
  const table: PriceTable = { ...DEFAULT_PRICES };
  let last = '';
  const reload = (): boolean => {
    if (!file) return true;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      log.error(
        { file, err: (err as Error).message },
        'prices file unreadable; the prices in force are kept',
      );
      return false;
    }
    if (text === last) return true;
    let extra: PriceTable;
    try {
      extra = parsePrices(text, file).models;
    } catch (err) {
      log.error({ file, err: (err as Error).message }, 'prices file refused; the prices in force are kept');
      return false;
    }
    for (const k of Object.keys(table)) delete table[k];
    Object.assign(table, DEFAULT_PRICES, extra);
    last = text;
    log.info({ file, models: Object.keys(extra).length, shippedDate: DEFAULT_PRICES_DATE }, 'prices loaded');
    return true;
  };
  if (!file) return { table, reload, close() {} };
  // At start a bad file is an error the operator must see: the service does not start on it.
  {
    const text = readFileSync(file, 'utf8');
    Object.assign(table, parsePrices(text, file).models);
    last = text;
  }
  // The directory is watched, not the file: a ConfigMap update swaps a symlink, which a watch on the
  // file itself does not see.
  let timer: NodeJS.Timeout | undefined;
  const watcher = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file) && !name.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(reload, SETTLE_MS).unref();
  });
  watcher.on('error', (err) => log.error({ file, err: err.message }, 'prices file no longer followed'));
  watcher.unref();
  return {
    table,
    reload,
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
