// HTTP as bytes on a socket, for tests that send what fetch would refuse or normalise (malformed
// request-targets, bad headers, slow or half-sent requests) and read the answer as it came.
import { connect } from 'node:net';

export interface RawAnswer {
  /** The status, or undefined when the server answered nothing before closing or the wait ended. */
  status: number | undefined;
  /** Status line and headers, lower-cased. */
  head: string;
  body: string;
  /** Whether the server closed the connection. */
  closed: boolean;
}

/** Sends bytes as they are and reads until the server closes (or `waitMs` passes). */
export function raw(port: number, data: string | Buffer, waitMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
      const body = end < 0 ? '' : text.slice(end + 4);
      resolve({
        status: status ? Number(status) : undefined,
        head: head.toLowerCase(),
        body: /^transfer-encoding: chunked$/im.test(head) ? dechunk(body) : body,
        closed,
      });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('connect', () => socket.write(data));
    socket.on('data', (d) => {
      text += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; ; ) {
    const eol = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
