// Connection limits for every listening socket (OTLP/HTTP, OTLP/gRPC, the query API): a total and a
// per-client-address cap, and an idle timeout, so that idle or hostile connections cannot exhaust file
// descriptors and starve everyone else. Sockets over a limit are closed at once.
import type { Server as NetServer, Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections on this server. */
  maxConnections: number;
  /** Open connections on this server from one client address. */
  maxConnectionsPerIp: number;
  /** A connection with no traffic for this long is closed. */
  idleTimeoutMs: number;
}

export type RefusedReason = 'total' | 'per_ip';

export interface ConnectionGuard {
  /** Counts the socket in, or closes it and returns false when it is over a limit. */
  admit(socket: Socket): boolean;
  /** Connections open now. */
  readonly open: number;
}

export function connectionGuard(
  limits: ConnectionLimits,
  onRefused: (reason: RefusedReason) => void = () => {},
): ConnectionGuard {
  const perIp = new Map<string, number>();
  let open = 0;
  return {
    get open() {
      return open;
    },
    admit(socket) {
      const ip = socket.remoteAddress ?? '';
      const fromIp = perIp.get(ip) ?? 0;
      const reason: RefusedReason | undefined =
        open >= limits.maxConnections ? 'total' : fromIp >= limits.maxConnectionsPerIp ? 'per_ip' : undefined;
      if (reason) {
        onRefused(reason);
        socket.destroy();
        return false;
      }
      open++;
      perIp.set(ip, fromIp + 1);
      socket.once('close', () => {
        open--;
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left > 0) perIp.set(ip, left);
        else perIp.delete(ip);
      });
      // Errors on a client's socket (resets, timeouts) concern that client only.
      socket.on('error', () => {});
      socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
      return true;
    },
  };
}

/** Applies the limits to a server that owns its sockets (node:http): each new socket is admitted first. */
export function limitConnections(
  server: NetServer,
  limits: ConnectionLimits,
  onRefused?: (reason: RefusedReason) => void,
): ConnectionGuard {
  const guard = connectionGuard(limits, onRefused);
  // Registered before the server's own handling sees the socket's first bytes: a refused socket is
  // destroyed before any request on it is parsed.
  server.prependListener('connection', (socket: Socket) => void guard.admit(socket));
  return guard;
}
