// A stand-in prompt registry: a local HTTP server that takes rating webhooks, answering as its mode
// says (ok, 503, 400, or never), and can go down and come back on the same port.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryReceiver {
  url: string;
  mode: 'ok' | 'unavailable' | 'bad-request' | 'hang';
  /** What it accepted (mode ok), in order. */
  received: { body: string; headers: IncomingHttpHeaders }[];
  /** Requests seen in any mode. */
  hits: number;
  down(): Promise<void>;
  up(): Promise<void>;
}

export async function startRegistryReceiver(): Promise<RegistryReceiver> {
  let port = 0;
  let server: Server | undefined;
  const r: RegistryReceiver = {
    url: '',
    mode: 'ok',
    received: [],
    hits: 0,
    async up() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          r.hits++;
          if (r.mode === 'hang') return; // never answers
          if (r.mode === 'unavailable') return res.writeHead(503, { 'retry-after': '0' }).end();
          if (r.mode === 'bad-request') return res.writeHead(400).end('unknown prompt');
          r.received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((ok) => server?.listen(port, '127.0.0.1', ok));
      port = (server.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${port}/hooks/ratings`;
    },
    async down() {
      server?.closeAllConnections();
      await new Promise<void>((ok) => server?.close(() => ok()));
    },
  };
  await r.up();
  return r;
}
