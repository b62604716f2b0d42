import { createServer } from 'node:net';

/** Listens on `port` (0: the OS picks one) and closes again: the port it got, or undefined if refused. */
function listenOnce(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(undefined));
    srv.listen(port, host, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
    });
  });
}

/** A TCP port on loopback that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const port = await listenOnce(0, '127.0.0.1');
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}

export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Below the kernel's ephemeral range (32768 up) and the NodePort range (30000–32767). */
const PUBLISHED_LOW = 20_000;
const PUBLISHED_HIGH = 30_000;

/**
 * Ports free now, for a test to publish before the process that binds them starts (peer lists,
 * EndpointSlices), where a clash cannot be retried with other ports. freePort() gives one in the
 * ephemeral range, which any outgoing connection may take as its source port meanwhile (a control
 * plane's many connections did, once: EADDRINUSE). These are below it, taken only by a program that
 * binds them by number.
 */
export async function publishedPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) {
    const port = PUBLISHED_LOW + Math.floor(Math.random() * (PUBLISHED_HIGH - PUBLISHED_LOW));
    if (!ports.has(port) && (await listenOnce(port, '0.0.0.0')) !== undefined) ports.add(port);
  }
  return [...ports];
}

/**
 * Runs `start` again (up to 3 times) when it failed because a port it picked was taken meanwhile: a
 * port found free can be grabbed by a suite running alongside before our process binds it. `start`
 * must pick its ports itself, so that each try has fresh ones.
 */
export async function retryOnPortClash<T>(start: () => Promise<T>): Promise<T> {
  const attempts = 3;
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      const clash = /EADDRINUSE|address already in use/i.test(
        String(err instanceof Error ? err.message : err),
      );
      if (!clash || i >= attempts) throw err;
    }
  }
}
