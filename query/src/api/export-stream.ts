// Writes an export to its response as fast as the client reads it: the next record is produced only
// once the socket has taken the last, so a slow reader holds its own export (one page of traces in
// memory) and nothing else; between pages the server serves other requests.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CSV_HEADER, csvLine, type ExportItem, type ExportRequest, ndjsonLine } from './export.ts';

export async function streamExport(
  res: ServerResponse,
  items: AsyncGenerator<ExportItem>,
  req: ExportRequest,
  log: Logger,
): Promise<void> {
  const csv = req.format === 'csv';
  res.writeHead(200, {
    'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="koder-trace-${req.what}.${req.format}"`,
    'cache-control': 'no-store',
  });
  try {
    if (csv && !(await writeLine(res, CSV_HEADER))) return;
    for await (const item of items) {
      const line = csv ? csvLine(item) : ndjsonLine(item);
      // The client has gone: leaving the loop closes the generator, so no further page is read.
      if (line !== undefined && !(await writeLine(res, line))) return;
    }
    res.end();
  } catch (err) {
    log.error({ err: String(err) }, 'export failed part-way');
    // The status is out already. NDJSON can say so in a record; CSV has no place for it, so the
    // transfer is cut before its last chunk and the client sees it incomplete.
    if (csv || res.destroyed) res.destroy();
    else
      res.end(
        `${JSON.stringify({ type: 'error', message: 'the export failed part-way; resume from the last cursor record' })}\n`,
      );
  }
}

/** Writes one line; when the socket's buffer is full, waits for it to drain. False once the client has gone. */
function writeLine(res: ServerResponse, line: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(`${line}\n`)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (open: boolean) => () => {
      res.off('drain', drained).off('close', closed);
      resolve(open);
    };
    const drained = settle(true);
    const closed = settle(false);
    res.on('drain', drained).on('close', closed);
  });
}
