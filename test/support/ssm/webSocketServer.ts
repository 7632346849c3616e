// A small RFC 6455 WebSocket server on node:http's `upgrade` event, for the local Session Manager
// endpoint (the `ws` package is not a dependency, and a server side this small is easy to read):
// the opening handshake, masked client frames, fragmented messages, ping/pong and the close
// handshake. Server frames are never masked or fragmented.
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_MESSAGE = 16 * 1024 * 1024;

export interface WebSocketConnection extends EventEmitter {
  send(data: Buffer | string): void;
  close(code?: number, reason?: string): void;
  /** Drops the TCP connection without a close frame (a network failure). */
  destroy(): void;
  readonly open: boolean;
  on(event: 'message', listener: (data: Buffer, binary: boolean) => void): this;
  on(event: 'close', listener: (code: number, reason: string) => void): this;
}

/** Refuses an upgrade with an HTTP status (what a proxy that blocks WebSockets does). */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): WebSocketConnection | undefined {
  const key = req.headers['sec-websocket-key'];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string' || req.headers['sec-websocket-version'] !== '13') {
    refuseUpgrade(socket, 400, 'Bad Request');
    return undefined;
  }
  const accept = createHash('sha1').update(key + GUID).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  return new Connection(socket, head);
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = length;
  else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

class Connection extends EventEmitter implements WebSocketConnection {
  private buffer: Buffer;
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closed = false;
  private closeSent = false;

  constructor(private readonly socket: Duplex, head: Buffer) {
    super();
    this.buffer = Buffer.from(head);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    socket.on('close', () => this.ended(1006, ''));
    socket.on('error', () => this.ended(1006, ''));
    if (this.buffer.length) setImmediate(() => this.parse());
  }

  get open(): boolean {
    return !this.closed && !this.closeSent;
  }

  send(data: Buffer | string): void {
    if (!this.open) return;
    this.socket.write(typeof data === 'string' ? frame(0x1, Buffer.from(data, 'utf8')) : frame(0x2, data));
  }

  close(code = 1000, reason = ''): void {
    if (this.closed || this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(frame(0x8, payload));
    // The client answers with its own close frame; if it does not, end the TCP connection anyway.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private ended(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, reason);
  }

  private fail(code: number, reason: string): void {
    this.close(code, reason);
    this.ended(code, reason);
  }

  private parse(): void {
    while (this.buffer.length >= 2) {
      const first = this.buffer[0];
      const second = this.buffer[1];
      const fin = (first & 0x80) !== 0;
      const opcode = first & 0x0f;
      const masked = (second & 0x80) !== 0;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        const big = this.buffer.readBigUInt64BE(2);
        if (big > BigInt(MAX_MESSAGE)) return this.fail(1009, 'message too big');
        length = Number(big);
        offset = 10;
      }
      if (!masked) return this.fail(1002, 'client frames must be masked');
      if (this.buffer.length < offset + 4 + length) return;
      const mask = this.buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(this.buffer.subarray(offset + 4, offset + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      this.buffer = this.buffer.subarray(offset + 4 + length);
      this.onFrame(fin, opcode, payload);
      if (this.closed) return;
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1:
      case 0x2: {
        if (opcode !== 0) this.fragmentOpcode = opcode;
        this.fragments.push(payload);
        if (!fin) return;
        const message = Buffer.concat(this.fragments);
        this.fragments = [];
        this.emit('message', message, this.fragmentOpcode === 0x2);
        return;
      }
      case 0x8: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        if (!this.closeSent) {
          this.closeSent = true;
          this.socket.write(frame(0x8, payload.subarray(0, 2)));
        }
        this.socket.end();
        this.ended(code, payload.subarray(2).toString('utf8'));
        return;
      }
      case 0x9:
        this.socket.write(frame(0xa, payload));
        return;
      case 0xa:
        return;
      default:
        this.fail(1002, `unknown opcode ${opcode}`);
    }
  }
}
