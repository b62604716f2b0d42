// The client side of GET /api/v1/export: reads NDJSON, writes only whole pages (what precedes a cursor
// record), and when the transfer is cut or the server fails part-way, asks again from the last cursor,
// so the output holds every record exactly once. CSV is made here from the call records, so a CSV
// export resumes too.
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CSV_HEADER, csvLine, type ExportItem } from './export.ts';

export interface ExportClientOptions {
  /** Base URL of the query service, e.g. http://127.0.0.1:8080. */
  url: string;
  token?: string;
  what: 'traces' | 'calls';
  format: 'ndjson' | 'csv';
  /** Search parameters (filters, order, page size; a cursor to start from). */
  search: URLSearchParams;
  /** Attempts in a row without progress before giving up (default 5). */
  retries?: number;
  /** Pause before the first retry, doubled each time (default 500 ms). */
  backoffMs?: number;
  onProgress?: (done: { traces: number; calls: number; resumed: number }) => void;
}

/** A refusal that asking again cannot change (bad parameters, a wrong token). */
export class ExportRefused extends Error {
  override name = 'ExportRefused';
}

export async function exportTo(out: Writable, opts: ExportClientOptions) {
  if (opts.format === 'csv' && opts.what !== 'calls')
    throw new ExportRefused('csv is for calls (--what calls); traces are nested, export them as ndjson');
  const done = { traces: 0, calls: 0, resumed: 0 };
  let cursor = opts.search.get('cursor') ?? undefined;
  let failures = 0;
  const retries = opts.retries ?? 5;
  if (opts.format === 'csv') await write(out, CSV_HEADER);
  for (;;) {
    try {
      if (await onePass()) return done;
      throw new Error('the transfer ended before the end record');
    } catch (err) {
      if (err instanceof ExportRefused) throw err;
      if (++failures > retries)
        throw new Error(
          `export incomplete after ${retries} retries (${reason(err)})${cursor ? `; resume with cursor=${cursor}` : ''}`,
        );
      done.resumed++;
      await sleep((opts.backoffMs ?? 500) * 2 ** (failures - 1));
    }
  }

  /** One request from the last cursor; true once the end record has been read. */
  async function onePass(): Promise<boolean> {
    const q = new URLSearchParams(opts.search);
    q.set('what', opts.what);
    q.delete('format');
    if (cursor) q.set('cursor', cursor);
    const res = await fetch(`${opts.url.replace(/\/$/, '')}/api/v1/export?${q}`, {
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    });
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: the text as it came
      }
      const error = `${res.status} ${message}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
        throw new ExportRefused(error);
      throw new Error(error);
    }
    let page: string[] = [];
    let lastTrace = '';
    let traces = 0;
    let calls = 0;
    const lines = createInterface({ input: Readable.fromWeb(res.body), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (!line) continue;
      const item = JSON.parse(line) as ExportItem | { type: 'error'; message: string };
      if (item.type === 'error') throw new Error(`the server failed part-way: ${item.message}`);
      if (item.type === 'cursor' || item.type === 'end') {
        // A whole page: written, counted, and the place to resume from.
        for (const l of page) await write(out, l);
        page = [];
        done.traces += traces;
        done.calls += calls;
        traces = calls = 0;
        failures = 0;
        opts.onProgress?.(done);
        if (item.type === 'end') return true;
        cursor = item.next;
        continue;
      }
      if (item.type === 'trace') traces++;
      else {
        // Calls of one trace come together: a new trace id is a new trace.
        if (item.traceId !== lastTrace) traces++;
        lastTrace = item.traceId;
        calls++;
      }
      const text = opts.format === 'csv' ? csvLine(item) : line;
      if (text !== undefined) page.push(text);
    }
    return false;
  }
}

/** Why a pass failed, with fetch's underlying cause (ECONNREFUSED, …) rather than "fetch failed". */
function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const message = err instanceof Error ? err.message : String(err);
  return cause ? `${message}: ${cause.code ?? cause.message}` : message;
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}
