import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic: pass it, hold it (a hung peer), or refuse it (a stopped one). */
export type ProxyMode = 'forward' | 'hang' | 'refuse';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Bytes held while hung, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

/**
 * A TCP proxy in front of a service (PostgreSQL, MariaDB, Redis) for fault injection:
 * - `forward`: bytes flow both ways;
 * - `hang()`: bytes stop flowing both ways and new connections wait — as a network partition
 *   looks to a client: nothing arrives, nothing fails; what was sent is delivered once it
 *   heals (TCP keeps it), so a query sent during the hang runs when `forward()` comes back;
 * - `refuse()`: every connection is closed and the port stops listening (ECONNREFUSED), as
 *   when the service stops.
 * Listens on 127.0.0.1 on an ephemeral port, kept across modes.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly pairs = new Set<Pair>();
  private mode: ProxyMode = 'forward';
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Starts listening; answers the proxy's address. */
  async start(): Promise<{ host: string; port: number }> {
    await this.listen();
    return { host: '127.0.0.1', port: this.port };
  }

  get current(): ProxyMode {
    return this.mode;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Holds every byte, both ways, until `forward()`. */
  hang(): void {
    this.mode = 'hang';
  }

  /** Closes every connection and stops listening, until `forward()`. */
  async refuse(): Promise<void> {
    this.mode = 'refuse';
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Passes traffic again (listening again on the same port after `refuse()`). */
  async forward(): Promise<void> {
    const was = this.mode;
    this.mode = 'forward';
    if (was === 'refuse') await this.listen();
    for (const pair of this.pairs) {
      for (const chunk of pair.toUpstream.splice(0)) pair.upstream.write(chunk);
      for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk);
    }
  }

  async stop(): Promise<void> {
    await this.refuse();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        this.port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: Pair = { client, upstream, toUpstream: [], toClient: [] };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => (this.mode === 'forward' ? upstream.write(chunk) : pair.toUpstream.push(chunk)));
    upstream.on('data', (chunk: Buffer) => (this.mode === 'forward' ? client.write(chunk) : pair.toClient.push(chunk)));
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }
}
