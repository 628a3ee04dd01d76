import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { AckBatch, TUNNEL_WINDOW } from '../core/egress/flow';
import { headEnd, MAX_HEAD_BYTES } from '../core/egress/proxy-head';
import type { FromPluginHost, ToPluginHost } from '../core/plugins/host-protocol';

interface Client {
  socket: Socket;
  /** Bytes the client sent after its request head, held until main opened the tunnel. */
  pending: Buffer;
  /** Sent to main and not acknowledged yet. */
  unacked: number;
  open: boolean;
  acks: AckBatch;
}

type FromMain = Extract<ToPluginHost, { type: `tunnel-${string}` }>;

/**
 * The egress proxy on the sandbox's own loopback (design §8): the only way out for a plugin's own
 * HTTP client (reqwest, ureq and curl follow HTTP_PROXY/HTTPS_PROXY). It decides nothing: it finds
 * where each request head ends and hands it to main, which parses it, decides, connects and relays;
 * this side only moves bytes, within a window of unacknowledged ones.
 */
export class EgressProxy {
  private server: Server | undefined;
  private next = 1;
  private readonly clients = new Map<number, Client>();

  constructor(private readonly send: (message: FromPluginHost) => void) {}

  /** Listens on a free port of the loopback and returns it. */
  listen(): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    const server = this.server;
    return new Promise((ready, failed) => {
      server.once('error', failed);
      server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
    });
  }

  private accept(socket: Socket): void {
    const id = this.next++;
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    const onHead = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = headEnd(buffered);
      // A head that does not end in time goes to main as it is, which refuses it.
      if (end === -1 && buffered.length <= MAX_HEAD_BYTES) return;
      socket.off('data', onHead);
      socket.pause();
      const cut = end === -1 ? buffered.length : end;
      this.clients.set(id, { socket, pending: buffered.subarray(cut), unacked: 0, open: false, acks: new AckBatch() });
      this.send({ type: 'tunnel-open', id, head: buffered.subarray(0, cut) });
    };
    socket.on('data', onHead);
    socket.on('error', () => socket.destroy());
    socket.on('end', () => {
      if (this.clients.get(id)?.open) this.send({ type: 'tunnel-end', id });
    });
    socket.on('close', () => {
      if (this.clients.delete(id)) this.send({ type: 'tunnel-abort', id });
    });
  }

  fromMain(m: FromMain): void {
    const client = this.clients.get(m.id);
    if (!client) return;
    const { socket } = client;
    switch (m.type) {
      case 'tunnel-refused':
        this.clients.delete(m.id);
        socket.end(m.reply);
        return;
      case 'tunnel-opened':
        client.open = true;
        if (m.reply.byteLength > 0) socket.write(m.reply);
        socket.on('data', (chunk: Buffer) => this.relay(m.id, client, chunk));
        if (client.pending.length > 0) this.relay(m.id, client, client.pending);
        if (client.unacked <= TUNNEL_WINDOW) socket.resume();
        return;
      case 'tunnel-data': {
        const n = m.bytes.byteLength;
        socket.write(m.bytes, () => {
          const due = client.acks.wrote(n);
          if (due > 0) this.send({ type: 'tunnel-ack', id: m.id, bytes: due });
        });
        return;
      }
      case 'tunnel-ack':
        client.unacked -= Math.min(m.bytes, client.unacked);
        if (socket.isPaused() && client.unacked <= TUNNEL_WINDOW / 2) socket.resume();
        return;
      case 'tunnel-end':
        socket.end();
        return;
      case 'tunnel-abort':
        this.clients.delete(m.id);
        socket.destroy();
        return;
    }
  }

  private relay(id: number, client: Client, chunk: Buffer): void {
    client.unacked += chunk.length;
    if (client.unacked > TUNNEL_WINDOW) client.socket.pause();
    this.send({ type: 'tunnel-data', id, bytes: chunk });
  }
}
