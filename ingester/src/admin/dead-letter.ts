// Admin endpoints of the dead-letter area: list what storage refused (with the reasons), and re-drive
// it through the export queue once the cause is fixed.
import type { DeadLetter } from '../export/dead-letter.ts';
import type { ExportQueue } from '../export/queue.ts';
import type { AdminRoute } from './server.ts';

const json = (res: Parameters<AdminRoute>[1], status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
};

export function deadLetterRoutes(
  deadLetter: DeadLetter | undefined,
  queue: ExportQueue,
): Record<string, AdminRoute> {
  if (!deadLetter) {
    const off: AdminRoute = (_req, res) =>
      json(res, 404, { error: 'no dead-letter area: set exporter.deadLetterDir in the config' });
    return { 'GET /dead-letter': off, 'POST /dead-letter/redrive': off };
  }
  return {
    'GET /dead-letter': (_req, res) => {
      const batches = deadLetter.list();
      json(res, 200, { batches, spans: batches.reduce((n, b) => n + b.spans, 0) });
    },
    'POST /dead-letter/redrive': (_req, res) => {
      const r = deadLetter.redrive((tenant, batch, spans) => queue.offer(tenant, batch, spans));
      // Whatever the queue could not take yet stays on disk for the next call.
      json(res, r.left ? 503 : 200, r);
    },
  };
}
