import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

/**
 * Refuses, in this test process, every TCP connection to anything but the loopback address:
 * fuzzed input (a webhook URL, a proxy upstream) must never make the server call out, and if a
 * route ever does, the connection fails here (and the refusal is recorded) instead of reaching
 * the network. Host names other than localhost are refused before any DNS lookup. Unix sockets
 * and loopback (the PostgreSQL under test) pass.
 */
export function forbidOutboundNetwork(): { refused: string[] } {
  const refused: string[] = [];
  const connect = Reflect.get(net.Socket.prototype, 'connect') as (this: net.Socket, ...args: unknown[]) => net.Socket;
  function guarded(this: net.Socket, ...args: unknown[]): net.Socket {
    // net.connect() hands connect() its arguments already normalized, as [options, callback].
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | undefined;
    if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      host = typeof args[1] === 'string' ? args[1] : 'localhost';
    } else if (typeof first === 'object' && first !== null) {
      const o = first as { host?: unknown; path?: unknown };
      host = typeof o.path === 'string' ? undefined : typeof o.host === 'string' ? o.host : 'localhost';
    }
    if (host !== undefined && !LOOPBACK.test(host.replace(/^\[|\]$/g, ''))) {
      refused.push(host);
      process.nextTick(() => this.destroy(new Error(`the fuzz test refuses outbound connections (to ${host})`)));
      return this;
    }
    return connect.apply(this, args);
  }
  net.Socket.prototype.connect = guarded;
  return { refused };
}
