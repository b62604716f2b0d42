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
