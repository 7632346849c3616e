// The far end of a Session Manager data channel, as the local SSM endpoint plays it: the service's
// token check and channel_closed, and the agent's NonInteractiveCommands plugin. The agent runs the
// handshake (KMS and its challenge included), acks and re-acks client messages, buffers them in
// order, drops client data sent before the handshake completes (as the agent does), splits the
// command like a shell line and executes it WITHOUT a shell, waits for it to exit, then streams
// its combined output in ≤ 1,024-byte payloads that never split a UTF-8 character, resending
// unacknowledged ones on a smoothed timeout, and ends with channel_closed. Fault switches make it
// misbehave on purpose. It reuses only the wire codec and the cipher of src/ (the byte layout
// and AES-GCM are the protocol; the behaviour here is written from the agent's side).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  acknowledgement,
  decodeMessage,
  encodeMessage,
  FLAG_SYN,
  MessageType,
  newMessage,
  PayloadType,
  type AcknowledgeContent,
  type ChannelMessage,
} from '../../../src/sources/ssm/session/codec';
import { SessionCipher } from '../../../src/sources/ssm/session/kms';
import { RetransmissionTimer } from '../../../src/sources/ssm/session/retransmit';
import type { KmsService } from './kmsService';
import { shlexSplit } from './shlex';
import type { WebSocketConnection } from './webSocketServer';

export const AGENT_VERSION = '3.3.1142.0';
/** The agent's StreamDataPayloadSize. */
export const PAYLOAD_SIZE = 1024;

export interface SessionFaults {
  /** Output chunks (0 = first) whose first transmission is lost. */
  drop?: number[];
  /** Output chunks sent twice. */
  duplicate?: number[];
  /** Output chunks sent in swapped pairs (1, 0, 3, 2 …). */
  reorder?: boolean;
  /** The agent's acks of client messages leave this late. */
  delayAcksMs?: number;
  /** The socket drops (no close frame) after this many output chunks. */
  closeAfterChunks?: number;
  /** The agent never sends its handshake request. */
  silentHandshake?: boolean;
  /** Output chunks whose first transmission carries a wrong digest. */
  badDigest?: number[];
  /** channel_closed carries this error text instead of running the command. */
  closeWithError?: string;
}

export interface AgentEnvironment {
  /** Environment of the command (PATH, TMPDIR, HOME …). */
  env: NodeJS.ProcessEnv;
  /** The session's orchestration directory (its output file lives there). */
  workDir: string;
  timeoutMs: number;
  kms?: KmsService;
  kmsKeyId?: string;
  /** The agent's wait for each client handshake answer (15 s). */
  handshakeTimeoutMs: number;
  faults: SessionFaults;
}

export interface SessionStats {
  agentResends: number;
  clientDuplicates: number;
  outputChunks: number;
  outputBytes: number;
  /** The handshake agreed a KMS key and the challenge was answered. */
  encrypted: boolean;
  /** Command started and exited (epoch ms), and output streaming began, for benchmarks. */
  commandStartedAt?: number;
  commandEndedAt?: number;
  streamStartedAt?: number;
}

interface Unacked {
  frame: Buffer;
  sentAt: number;
  resends: number;
}

/** Cuts `data` into ≤ `size`-byte pieces, never inside a UTF-8 sequence. */
export function utf8Chunks(data: Buffer, size = PAYLOAD_SIZE): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(start + size, data.length);
    if (end < data.length) {
      let back = end;
      while (back > start && (data[back] & 0xc0) === 0x80) back--;
      if (back > start) end = back;
    }
    chunks.push(data.subarray(start, end));
    start = end;
  }
  return chunks;
}

export class AgentSession {
  state: 'Connected' | 'Terminated' = 'Connected';
  readonly stats: SessionStats = { agentResends: 0, clientDuplicates: 0, outputChunks: 0, outputBytes: 0, encrypted: false };
  private connection?: WebSocketConnection;
  private outSeq = 0;
  private expected = 0;
  private readonly early = new Map<number, ChannelMessage>();
  private readonly unacked = new Map<number, Unacked>();
  private readonly rto = new RetransmissionTimer();
  private cipher?: SessionCipher;
  private challenge?: Buffer;
  private handshakeDone = false;
  private completeSeq = -1;
  private commandStarted = false;
  private handshakeStartedAt = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private resendTimer?: NodeJS.Timeout;
  private child?: ReturnType<typeof spawn>;
  private chunksSent = 0;
  private readonly kmsChallenge = randomBytes(32).toString('base64');
  /** Output sent: close once everything is acked, or at this time (the agent's 2 s wait). */
  private closeWhenAcked?: number;

  constructor(
    readonly sessionId: string,
    readonly instanceId: string,
    readonly command: string,
    private readonly environment: AgentEnvironment,
    private readonly onEnd: (session: AgentSession) => void,
  ) {}

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** A socket opened with a valid token (first connect, or after ResumeSession). */
  attach(connection: WebSocketConnection): void {
    const resumed = this.connection !== undefined;
    this.connection = connection;
    connection.on('message', (data, binary) => {
      if (binary) this.receive(data);
    });
    this.resendTimer ??= setInterval(() => this.resendOldest(), 50);
    if (resumed) {
      for (const pending of this.unacked.values()) connection.send(pending.frame);
      return;
    }
    if (this.environment.faults.closeWithError) {
      this.closeChannel(this.environment.faults.closeWithError);
      return;
    }
    if (this.environment.faults.silentHandshake) return;
    this.handshakeStartedAt = Date.now();
    const actions: unknown[] = [{ ActionType: 'SessionType', ActionParameters: { SessionType: 'NonInteractiveCommands', Properties: null } }];
    if (this.environment.kmsKeyId) actions.push({ ActionType: 'KMSEncryption', ActionParameters: { KMSKeyId: this.environment.kmsKeyId, Challenge: this.kmsChallenge } });
    this.sendSequenced(PayloadType.HandshakeRequest, Buffer.from(JSON.stringify({ AgentVersion: AGENT_VERSION, RequestedClientActions: actions })));
    this.later(this.environment.handshakeTimeoutMs, () => {
      if (!this.handshakeDone && this.state === 'Connected') {
        this.closeChannel('Handshake timed out. Please ensure that you have the latest version of the session manager plugin.');
      }
    });
  }

  private send(frame: Buffer): void {
    this.connection?.send(frame);
  }

  /** Handshake messages: sequenced and resent like output, never faulted. */
  private sendSequenced(payloadType: number, payload: Buffer): void {
    const seq = this.outSeq++;
    const message = newMessage({ messageType: MessageType.Output, payloadType, payload, sequenceNumber: seq, flags: seq === 0 ? FLAG_SYN : 0n });
    const frame = encodeMessage(message);
    this.unacked.set(seq, { frame, sentAt: Date.now(), resends: 0 });
    this.send(frame);
  }

  private resendOldest(): void {
    if (this.unacked.size === 0 || !this.connection?.open) return;
    const seq = Math.min(...this.unacked.keys());
    const pending = this.unacked.get(seq)!;
    if (Date.now() - pending.sentAt < this.rto.rtoMs) return;
    pending.sentAt = Date.now();
    pending.resends++;
    this.stats.agentResends++;
    this.send(pending.frame);
  }

  private ack(message: ChannelMessage): void {
    const frame = encodeMessage(acknowledgement(message));
    const delay = this.environment.faults.delayAcksMs;
    if (delay) this.later(delay, () => this.send(frame));
    else this.send(frame);
  }

  private receive(data: Buffer): void {
    let message: ChannelMessage;
    try {
      // The agent checks header length, type and date, not the digest; we check it too (stricter).
      message = decodeMessage(data);
    } catch {
      return;
    }
    if (message.messageType === MessageType.Acknowledge) {
      const content = JSON.parse(message.payload.toString('utf8')) as AcknowledgeContent;
      const pending = this.unacked.get(content.AcknowledgedMessageSequenceNumber);
      if (!pending) return;
      this.unacked.delete(content.AcknowledgedMessageSequenceNumber);
      if (pending.resends === 0) this.rto.sample(Date.now() - pending.sentAt);
      if (content.AcknowledgedMessageSequenceNumber === this.completeSeq) this.runCommand();
      if (this.closeWhenAcked !== undefined && this.unacked.size === 0) this.closeChannel('');
      return;
    }
    if (message.messageType !== MessageType.Input) return;
    const seq = message.sequenceNumber;
    this.ack(message);
    if (seq < this.expected || this.early.has(seq)) {
      this.stats.clientDuplicates++;
      return;
    }
    if (seq > this.expected) {
      this.early.set(seq, message);
      return;
    }
    this.process(message);
    this.expected++;
    for (let next = this.early.get(this.expected); next; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      this.process(next);
      this.expected++;
    }
  }

  private process(message: ChannelMessage): void {
    if (this.state !== 'Connected') return;
    switch (message.payloadType) {
      case PayloadType.HandshakeResponse:
        this.handshakeResponse(message.payload);
        return;
      case PayloadType.EncChallengeResponse:
        this.challengeResponse(message.payload);
        return;
      default:
        // Client data before the handshake completed is acked and dropped; after it, this
        // plugin has no stdin, so input is ignored too.
        return;
    }
  }

  private handshakeResponse(payload: Buffer): void {
    let response: { ClientVersion?: string; ProcessedClientActions?: { ActionType: string; ActionStatus: number; ActionResult?: { KMSCipherTextKey?: string; ChallengeAcknowledgement?: boolean }; Error?: string }[] };
    try {
      response = JSON.parse(payload.toString('utf8'));
    } catch {
      this.closeChannel('Handshake failed: the handshake response is not JSON.');
      return;
    }
    const actions = response.ProcessedClientActions ?? [];
    const failed = actions.find((a) => a.ActionStatus !== 1);
    if (failed) {
      this.closeChannel(`${failed.ActionType} failed on client with status ${failed.ActionStatus} error: ${failed.Error ?? ''}`);
      return;
    }
    if (!actions.some((a) => a.ActionType === 'SessionType')) {
      this.closeChannel('Handshake failed: the client did not process the SessionType action.');
      return;
    }
    if (this.environment.kmsKeyId) {
      const kms = actions.find((a) => a.ActionType === 'KMSEncryption');
      const blob = kms?.ActionResult?.KMSCipherTextKey;
      if (!blob || !this.environment.kms) {
        this.closeChannel('Fetching data key failed: the client sent no KMS ciphertext key.');
        return;
      }
      const context: Record<string, string> = { 'aws:ssm:SessionId': this.sessionId, 'aws:ssm:TargetId': this.instanceId };
      if (kms.ActionResult?.ChallengeAcknowledgement) context['aws:ssm:RandomChallenge'] = this.kmsChallenge;
      try {
        const { plaintext } = this.environment.kms.decryptBlob(Buffer.from(blob, 'base64'), context);
        this.cipher = new SessionCipher(plaintext, 'agent');
      } catch (error) {
        this.closeChannel(`Fetching data key failed: ${(error as Error).name === 'KmsServiceError' ? (error as Error).message : String((error as { type?: string }).type ?? error)}`);
        return;
      }
      this.challenge = randomBytes(64);
      this.sendSequenced(PayloadType.EncChallengeRequest, Buffer.from(JSON.stringify({ Challenge: this.cipher.encrypt(this.challenge).toString('base64') })));
      return;
    }
    this.completeHandshake();
  }

  private challengeResponse(payload: Buffer): void {
    if (!this.cipher || !this.challenge) return;
    try {
      const answer = JSON.parse(payload.toString('utf8')) as { Challenge?: string };
      if (!this.cipher.decrypt(Buffer.from(answer.Challenge ?? '', 'base64')).equals(this.challenge)) throw new Error('mismatch');
    } catch {
      this.closeChannel('Encryption challenge failed: the client answered with the wrong value.');
      return;
    }
    this.stats.encrypted = true;
    this.completeHandshake();
  }

  private completeHandshake(): void {
    if (this.handshakeDone) return;
    this.handshakeDone = true;
    this.completeSeq = this.outSeq;
    const nanos = (Date.now() - this.handshakeStartedAt) * 1e6;
    this.sendSequenced(PayloadType.HandshakeComplete, Buffer.from(JSON.stringify({ HandshakeTimeToComplete: nanos, CustomerMessage: '' })));
  }

  /** After the client acknowledged HandshakeComplete: run, wait for exit, then stream the output file. */
  private runCommand(): void {
    if (this.commandStarted || this.state !== 'Connected') return;
    this.commandStarted = true;
    let argv: string[];
    try {
      argv = shlexSplit(this.command);
    } catch (error) {
      this.sendOutput(PayloadType.StdErr, Buffer.from(`Unable to start command: ${(error as Error).message}`));
      return;
    }
    mkdirSync(this.environment.workDir, { recursive: true });
    const outputPath = join(this.environment.workDir, 'output');
    const fd = openSync(outputPath, 'w', 0o600);
    this.stats.commandStartedAt = Date.now();
    const child = spawn(argv[0] ?? '', argv.slice(1), { cwd: this.environment.workDir, env: this.environment.env, stdio: ['ignore', fd, fd], detached: true });
    this.child = child;
    closeSync(fd);
    let startError: Error | undefined;
    child.on('error', (error) => (startError = error));
    this.later(this.environment.timeoutMs, () => this.kill());
    child.on('close', () => {
      this.child = undefined;
      this.stats.commandEndedAt = Date.now();
      if (startError) {
        this.sendOutput(PayloadType.StdErr, Buffer.from(`Unable to start command: ${startError.message}`));
        return;
      }
      this.sendOutput(PayloadType.Output, readFileSync(outputPath));
    });
  }

  private kill(): void {
    try {
      if (this.child?.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  private sendOutput(payloadType: number, data: Buffer): void {
    if (this.state !== 'Connected') return;
    this.stats.streamStartedAt = Date.now();
    const chunks = utf8Chunks(data);
    const order = chunks.map((_, i) => i);
    if (this.environment.faults.reorder) {
      for (let i = 0; i + 1 < order.length; i += 2) [order[i], order[i + 1]] = [order[i + 1], order[i]];
    }
    // Sequence numbers follow chunk order; with `reorder` the frames leave in swapped pairs.
    const base = this.outSeq;
    const frames = chunks.map((chunk, i) => {
      const payload = this.cipher ? this.cipher.encrypt(chunk) : chunk;
      return newMessage({ messageType: MessageType.Output, payloadType, payload, sequenceNumber: base + i, flags: base + i === 0 ? FLAG_SYN : 0n });
    });
    this.outSeq += chunks.length;
    this.stats.outputChunks += chunks.length;
    this.stats.outputBytes += data.length;
    const faults = this.environment.faults;
    for (const i of order) {
      const message = frames[i];
      const frame = encodeMessage(message);
      this.unacked.set(message.sequenceNumber, { frame, sentAt: Date.now(), resends: 0 });
      if (faults.closeAfterChunks !== undefined && this.chunksSent >= faults.closeAfterChunks) {
        this.connection?.destroy();
        return;
      }
      this.chunksSent++;
      if (faults.drop?.includes(i)) continue;
      this.send(faults.badDigest?.includes(i) ? encodeMessage(message, Buffer.alloc(32, 0xee)) : frame);
      if (faults.duplicate?.includes(i)) this.send(frame);
    }
    // The agent waits up to 2 s for its messages to be acknowledged, then closes the channel anyway.
    this.closeWhenAcked = Date.now() + 2000;
    if (this.unacked.size === 0) this.closeChannel('');
    else this.later(2000, () => this.closeChannel(''));
  }

  /** The service's channel_closed (Output empty on success), then the socket closes; the session ends. */
  private closeChannel(output: string): void {
    if (this.state !== 'Connected') return;
    const payload = Buffer.from(JSON.stringify({
      MessageId: randomUUID(), CreatedDate: new Date().toISOString(), DestinationId: this.sessionId, SessionId: this.sessionId,
      MessageType: MessageType.ChannelClosed, SchemaVersion: 1, Output: output,
    }));
    this.send(encodeMessage(newMessage({ messageType: MessageType.ChannelClosed, payloadType: 0, payload, flags: 0n })));
    this.connection?.close(1000, '');
    this.end();
  }

  /** TerminateSession, channel end or endpoint shutdown. */
  end(): void {
    if (this.state === 'Terminated') return;
    this.state = 'Terminated';
    this.kill();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.resendTimer) clearInterval(this.resendTimer);
    this.onEnd(this);
  }

  /** Terminated by the caller: the socket closes too. */
  terminate(): void {
    if (this.state === 'Terminated') return;
    this.connection?.close(1000, 'session terminated');
    this.end();
  }
}
