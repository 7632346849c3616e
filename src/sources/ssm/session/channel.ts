// The client side of one data channel: sequence numbers and acknowledgements both ways, a reorder
// buffer for output that arrives early, re-acks of duplicates, retransmission of our own unacked
// messages on a smoothed timeout, the handshake (KMS included), and the end (channel_closed). It
// knows nothing of sockets: frames come in through receive() and go out through `send`.

import {
  acknowledgement,
  CodecError,
  decodeMessage,
  encodeMessage,
  FLAG_SYN,
  MessageType,
  newMessage,
  parseJson,
  PayloadType,
  type AcknowledgeContent,
  type ChannelMessage,
} from './codec';
import {
  ActionStatus,
  CLIENT_VERSION,
  SESSION_TYPE,
  sessionTypeOf,
  type HandshakeComplete,
  type HandshakeRequest,
  type HandshakeResponse,
  type KmsParameters,
  type ProcessedClientAction,
} from './handshake';
import { SessionCipher, sessionEncryptionContext, type DataKeySource } from './kms';
import { RetransmissionTimer } from './retransmit';

/** Early messages kept at most (the plugin keeps 10,000). */
const REORDER_CAPACITY = 10_000;
/** Resends of one message before the channel gives up. */
const MAX_RESENDS = 300;
/** Output kept at most: a snapshot document is far smaller. */
export const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export type ChannelFailure =
  | { kind: 'handshake'; message: string }
  | { kind: 'kms'; message: string; cause?: unknown }
  | { kind: 'closed'; message: string }
  | { kind: 'protocol'; message: string }
  | { kind: 'resend'; message: string };

export class ChannelError extends Error {
  constructor(readonly failure: ChannelFailure, cause?: unknown) {
    super(failure.message, cause === undefined ? undefined : { cause });
    this.name = 'ChannelError';
  }
}

export interface ChannelResult {
  /** Output payloads (stdout and stderr interleaved, as the agent's output file holds them). */
  output: Buffer;
  /** StdErr payloads (start failures, or separated output). */
  stderr: Buffer;
  exitCode?: number;
  agentVersion?: string;
  encrypted: boolean;
  stats: ChannelStats;
}

export interface ChannelStats {
  received: number;
  duplicates: number;
  reordered: number;
  badFrames: number;
  resends: number;
  handshakeMs?: number;
  smoothedRttMs?: number;
  /** When the channel ended (epoch ms), before TerminateSession: for throughput figures. */
  closedAt?: number;
}

export interface DataChannelOptions {
  sessionId: string;
  targetId: string;
  send(frame: Buffer): void;
  /** Needed only when the agent asks for KMS encryption. */
  dataKey?: DataKeySource;
  /** Resend check period (default 100 ms). */
  tickMs?: number;
  log?: (line: string) => void;
}

interface Pending {
  message: ChannelMessage;
  frame: Buffer;
  firstSentAt: number;
  lastSentAt: number;
  resends: number;
}

export class DataChannel {
  readonly done: Promise<ChannelResult>;
  private resolve!: (result: ChannelResult) => void;
  private reject!: (error: Error) => void;
  private settled = false;
  private expected = 0;
  private nextOutgoing = 0;
  private readonly early = new Map<number, ChannelMessage>();
  private readonly unacked = new Map<number, Pending>();
  private readonly rto = new RetransmissionTimer();
  private readonly output: Buffer[] = [];
  private readonly stderr: Buffer[] = [];
  private outputBytes = 0;
  private exitCode?: number;
  private agentVersion?: string;
  private cipher?: SessionCipher;
  private handshakeStarted?: number;
  private handshakeCompleted = false;
  private closeReceived = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly stats: ChannelStats = { received: 0, duplicates: 0, reordered: 0, badFrames: 0, resends: 0 };

  constructor(private readonly options: DataChannelOptions) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => undefined);
    this.timer = setInterval(() => this.resendOldest(), options.tickMs ?? 100);
  }

  get handshakeDone(): boolean {
    return this.handshakeCompleted;
  }

  /** The service said channel_closed: the result follows once queued output is processed. */
  get closing(): boolean {
    return this.closeReceived;
  }

  get handshakeBegun(): boolean {
    return this.handshakeStarted !== undefined;
  }

  /** One binary frame from the socket. */
  receive(frame: Buffer): void {
    if (this.settled) return;
    let message: ChannelMessage;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      // Not acked: the sender resends it, and a good copy repairs a damaged one.
      this.stats.badFrames++;
      this.options.log?.(`data channel: dropped a frame: ${error instanceof CodecError ? error.message : String(error)}`);
      return;
    }
    this.stats.received++;
    switch (message.messageType) {
      case MessageType.Acknowledge:
        this.acknowledged(message);
        return;
      case MessageType.ChannelClosed:
        this.channelClosed(message);
        return;
      case MessageType.Output:
        this.sequenced(message);
        return;
      default:
        // start/pause_publication and anything newer: nothing to do for a one-shot command.
        return;
    }
  }

  /** Ends the channel with an error (socket lost, deadline, cancel). */
  fail(error: Error): void {
    this.finish(error);
  }

  private finish(outcome: Error | ChannelResult): void {
    if (this.settled) return;
    this.settled = true;
    clearInterval(this.timer);
    if (outcome instanceof Error) this.reject(outcome);
    else this.resolve(outcome);
  }

  private sendMessage(message: ChannelMessage): void {
    this.options.send(encodeMessage(message));
  }

  private sendData(payloadType: number, payload: Buffer): void {
    const sequenceNumber = this.nextOutgoing++;
    const message = newMessage({ messageType: MessageType.Input, payloadType, payload, sequenceNumber, flags: sequenceNumber === 0 ? FLAG_SYN : 0n });
    const frame = encodeMessage(message);
    const now = Date.now();
    this.unacked.set(sequenceNumber, { message, frame, firstSentAt: now, lastSentAt: now, resends: 0 });
    this.options.send(frame);
  }

  private acknowledged(message: ChannelMessage): void {
    let content: AcknowledgeContent;
    try {
      content = parseJson<AcknowledgeContent>(message.payload, 'acknowledgement');
    } catch {
      return;
    }
    // Matched by sequence number, as both AWS implementations do.
    const pending = this.unacked.get(content.AcknowledgedMessageSequenceNumber);
    if (!pending) return;
    this.unacked.delete(content.AcknowledgedMessageSequenceNumber);
    if (pending.resends === 0) this.rto.sample(Date.now() - pending.firstSentAt);
  }

  private resendOldest(): void {
    if (this.settled || this.unacked.size === 0) return;
    const oldest = this.unacked.get(Math.min(...this.unacked.keys()))!;
    if (Date.now() - oldest.lastSentAt < this.rto.rtoMs) return;
    if (oldest.resends >= MAX_RESENDS) {
      this.finish(new ChannelError({ kind: 'resend', message: `The agent did not acknowledge message ${oldest.message.sequenceNumber} after ${MAX_RESENDS} resends.` }));
      return;
    }
    oldest.resends++;
    oldest.lastSentAt = Date.now();
    this.stats.resends++;
    this.options.send(oldest.frame);
  }

  private sequenced(message: ChannelMessage): void {
    const seq = message.sequenceNumber;
    if (seq < this.expected) {
      // A resend of something we have: our ack was lost, so say it again.
      this.stats.duplicates++;
      this.sendMessage(acknowledgement(message));
      return;
    }
    if (seq > this.expected) {
      if (this.early.size >= REORDER_CAPACITY && !this.early.has(seq)) return; // not acked: resent later
      if (this.early.has(seq)) this.stats.duplicates++;
      else this.stats.reordered++;
      this.early.set(seq, message);
      this.sendMessage(acknowledgement(message));
      return;
    }
    this.sendMessage(acknowledgement(message));
    this.enqueue(message);
    this.expected++;
    for (let next = this.early.get(this.expected); next; next = this.early.get(this.expected)) {
      this.early.delete(this.expected);
      this.enqueue(next);
      this.expected++;
    }
  }

  /** In order, one at a time: the handshake answer may wait for KMS. */
  private enqueue(message: ChannelMessage): void {
    this.queue = this.queue.then(() => this.process(message)).catch((error: unknown) => {
      this.finish(error instanceof Error ? error : new Error(String(error)));
    });
  }

  private async process(message: ChannelMessage): Promise<void> {
    if (this.settled) return;
    switch (message.payloadType) {
      case PayloadType.HandshakeRequest:
        await this.handshakeRequest(parseJson<HandshakeRequest>(message.payload, 'handshake request'));
        return;
      case PayloadType.EncChallengeRequest:
        this.encChallenge(parseJson<{ Challenge?: string }>(message.payload, 'encryption challenge'));
        return;
      case PayloadType.HandshakeComplete: {
        const complete = parseJson<HandshakeComplete>(message.payload, 'handshake completion');
        this.handshakeCompleted = true;
        this.stats.handshakeMs = this.handshakeStarted === undefined ? undefined : Date.now() - this.handshakeStarted;
        if (complete.CustomerMessage) this.options.log?.(`data channel: agent says: ${complete.CustomerMessage}`);
        return;
      }
      case PayloadType.Output:
        this.collect(this.output, message.payload);
        return;
      case PayloadType.StdErr:
        this.collect(this.stderr, message.payload);
        return;
      case PayloadType.ExitCode: {
        const text = this.plain(message.payload).toString('utf8');
        const code = /EXIT_CODE:\s*(-?\d+)/.exec(text);
        if (code) this.exitCode = Number(code[1]);
        return;
      }
      default:
        return;
    }
  }

  private plain(payload: Buffer): Buffer {
    if (!this.cipher) return payload;
    try {
      return this.cipher.decrypt(payload);
    } catch (error) {
      throw new ChannelError({ kind: 'kms', message: 'An encrypted payload from the agent could not be decrypted with the session key.' }, error);
    }
  }

  private collect(into: Buffer[], payload: Buffer): void {
    const data = this.plain(payload);
    this.outputBytes += data.length;
    if (this.outputBytes > MAX_OUTPUT_BYTES) {
      throw new ChannelError({ kind: 'protocol', message: `The command printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB; the session was stopped.` });
    }
    into.push(data);
  }

  private async handshakeRequest(request: HandshakeRequest): Promise<void> {
    this.handshakeStarted = Date.now();
    this.agentVersion = request.AgentVersion;
    const processed: ProcessedClientAction[] = [];
    const errors: string[] = [];
    let refusal: string | undefined;
    for (const action of request.RequestedClientActions ?? []) {
      if (action.ActionType === 'SessionType') {
        const type = sessionTypeOf(action);
        if (type === SESSION_TYPE) {
          processed.push({ ActionType: action.ActionType, ActionStatus: ActionStatus.Success, ActionResult: null, Error: '' });
        } else {
          const text = `Session type ${type ?? '(none)'} is not supported by this client; it runs ${SESSION_TYPE} only.`;
          processed.push({ ActionType: action.ActionType, ActionStatus: ActionStatus.Unsupported, ActionResult: null, Error: text });
          errors.push(text);
          refusal = text;
        }
      } else if (action.ActionType === 'KMSEncryption') {
        processed.push(await this.kmsAction(action.ActionParameters as KmsParameters | undefined));
      } else {
        const text = `Client action ${action.ActionType} is not supported.`;
        processed.push({ ActionType: action.ActionType, ActionStatus: ActionStatus.Unsupported, ActionResult: null, Error: text });
        errors.push(text);
        refusal ??= text;
      }
    }
    const response: HandshakeResponse = { ClientVersion: CLIENT_VERSION, ProcessedClientActions: processed, Errors: errors };
    this.sendData(PayloadType.HandshakeResponse, Buffer.from(JSON.stringify(response)));
    if (refusal) throw new ChannelError({ kind: 'handshake', message: refusal });
  }

  private async kmsAction(parameters: KmsParameters | undefined): Promise<ProcessedClientAction> {
    const keyId = parameters?.KMSKeyId;
    if (!keyId || !this.options.dataKey) {
      throw new ChannelError({ kind: 'kms', message: keyId ? 'The session is KMS-encrypted and no KMS client is available.' : 'The agent asked for KMS encryption without a key id.' });
    }
    const challenge = typeof parameters.Challenge === 'string' && parameters.Challenge ? parameters.Challenge : undefined;
    let key;
    try {
      key = await this.options.dataKey(keyId, sessionEncryptionContext(this.options.sessionId, this.options.targetId, challenge));
    } catch (error) {
      throw new ChannelError({ kind: 'kms', message: error instanceof Error ? error.message : String(error), cause: error }, error);
    }
    this.cipher = new SessionCipher(key.plaintext, 'client');
    key.plaintext.fill(0);
    return {
      ActionType: 'KMSEncryption',
      ActionStatus: ActionStatus.Success,
      ActionResult: { KMSCipherTextKey: key.ciphertextBase64, ...(challenge ? { ChallengeAcknowledgement: true } : {}) },
      Error: '',
    };
  }

  private encChallenge(request: { Challenge?: string }): void {
    if (!this.cipher || !request.Challenge) throw new ChannelError({ kind: 'kms', message: 'The agent sent an encryption challenge before any session key was agreed.' });
    let answer: Buffer;
    try {
      answer = this.cipher.encrypt(this.cipher.decrypt(Buffer.from(request.Challenge, 'base64')));
    } catch (error) {
      throw new ChannelError({ kind: 'kms', message: 'The encryption challenge could not be decrypted: the agent and this client hold different session keys.' }, error);
    }
    this.sendData(PayloadType.EncChallengeResponse, Buffer.from(JSON.stringify({ Challenge: answer.toString('base64') })));
  }

  private channelClosed(message: ChannelMessage): void {
    this.closeReceived = true;
    let closed: { Output?: string } = {};
    try {
      closed = parseJson<{ Output?: string }>(message.payload, 'channel_closed message');
    } catch {
      // A close without a readable reason is still a close.
    }
    // Output already queued is processed before the result is read.
    void this.queue.then(() => {
      if (closed.Output) {
        this.finish(new ChannelError({ kind: 'closed', message: closed.Output }));
      } else if (this.early.size > 0) {
        this.finish(new ChannelError({ kind: 'protocol', message: `The session closed with ${this.early.size} output message(s) missing before them.` }));
      } else if (!this.handshakeCompleted) {
        this.finish(new ChannelError({ kind: 'handshake', message: 'The session closed before the handshake completed.' }));
      } else {
        this.finish({
          output: Buffer.concat(this.output),
          stderr: Buffer.concat(this.stderr),
          ...(this.exitCode !== undefined ? { exitCode: this.exitCode } : {}),
          ...(this.agentVersion ? { agentVersion: this.agentVersion } : {}),
          encrypted: this.cipher !== undefined,
          stats: { ...this.stats, smoothedRttMs: this.rto.smoothedRttMs, closedAt: Date.now() },
        });
      }
    });
  }
}
