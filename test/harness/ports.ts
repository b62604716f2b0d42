import { createServer } from 'node:net';

/** A TCP port on loopback that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** Below the kernel's ephemeral range (32768 up) and the NodePort range (30000–32767). */
const PUBLISHED_LOW = 20_000;
const PUBLISHED_HIGH = 30_000;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

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
    if (!ports.has(port) && (await bindable(port))) ports.add(port);
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
