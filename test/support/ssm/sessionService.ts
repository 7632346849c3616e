// Session Manager on the local SSM endpoint: StartSession, ResumeSession and TerminateSession
// (awsJson1_1 shapes of the SSM service model), and the data channel WebSockets at the StreamUrl
// they return. The service checks the single-use token of the first text frame, then the agent
// side (sessionAgent.ts) runs the session. It counts sessions, so tests can assert none stays open.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { AgentSession, type SessionFaults, type SessionStats } from './sessionAgent';
import type { KmsService } from './kmsService';
import { acceptWebSocket, refuseUpgrade, type WebSocketConnection } from './webSocketServer';

export const SESSION_DOCUMENTS = ['AWS-StartNonInteractiveCommand'];

export class SessionApiError extends Error {
  constructor(readonly type: string, message?: string) {
    super(message ?? '');
  }
}

export interface SessionRecord {
  sessionId: string;
  target: string;
  documentName: string;
  command: string;
  reason: string;
  state: 'Connected' | 'Terminated';
  startedAt: number;
  endedAt?: number;
  stats: SessionStats;
}

export interface SessionServiceOptions {
  /** Base of StreamUrl, e.g. ws://127.0.0.1:PORT. */
  streamBase: () => string;
  workRoot: string;
  /** The instance, or why it cannot take a session (TargetNotConnected text). */
  instance(target: string): { env: NodeJS.ProcessEnv } | string;
  kms?: KmsService;
  handshakeTimeoutMs?: number;
}

interface Session extends SessionRecord {
  token?: string;
  agent: AgentSession;
}

const INSTANCE_TARGET = /^(i-[0-9a-f]{8}([0-9a-f]{9})?|mi-[0-9a-f]{17})$/;

export class SessionService {
  faults: SessionFaults = {};
  /** Session preferences: KMS key that encrypts sessions (undefined: not encrypted). */
  kmsKeyId?: string;
  documentMissing = false;
  refuseWebSockets = false;
  private readonly sessions = new Map<string, Session>();
  private readonly sockets = new Set<WebSocketConnection>();

  constructor(private readonly options: SessionServiceOptions) {}

  records(): SessionRecord[] {
    return [...this.sessions.values()].map(({ token: _t, agent: _a, ...record }) => ({ ...record, stats: { ...record.stats } }));
  }

  openCount(): number {
    return [...this.sessions.values()].filter((s) => s.state !== 'Terminated').length;
  }

  private streamUrl(sessionId: string): string {
    return `${this.options.streamBase()}/v1/data-channel/${sessionId}?role=publish_subscribe`;
  }

  startSession(body: Record<string, unknown>, userName: string): unknown {
    const target = body.Target as string | undefined;
    if (!target) throw new SessionApiError('ValidationException', "1 validation error detected: Value null at 'target' failed to satisfy constraint: Member must not be null");
    const documentName = (body.DocumentName as string | undefined) ?? 'SSM-SessionManagerRunShell';
    if (this.documentMissing || !SESSION_DOCUMENTS.includes(documentName)) {
      throw new SessionApiError('InvalidDocument', `Document with name ${documentName} does not exist.`);
    }
    const parameters = (body.Parameters as Record<string, string[]> | undefined) ?? {};
    const unknown = Object.keys(parameters).filter((name) => name !== 'command');
    if (unknown.length) throw new SessionApiError('InvalidParameters', `Document ${documentName} does not support parameters ${unknown.join(', ')}.`);
    const command = parameters.command;
    if (!Array.isArray(command) || command.length !== 1 || typeof command[0] !== 'string' || !command[0].trim()) {
      throw new SessionApiError('InvalidParameters', 'Parameter "command" needs exactly one non-empty value.');
    }
    const reason = (body.Reason as string | undefined) ?? '';
    if (reason.length > 256) throw new SessionApiError('ValidationException', "1 validation error detected: Value at 'reason' failed to satisfy constraint: Member must have length less than or equal to 256");
    if (!INSTANCE_TARGET.test(target)) throw new SessionApiError('InvalidParameters', `Target ${target} is not an instance id.`);
    const instance = this.options.instance(target);
    if (typeof instance === 'string') throw new SessionApiError('TargetNotConnected', instance);
    const sessionId = `${userName}-${randomBytes(9).toString('hex').slice(0, 17)}`;
    const token = randomBytes(48).toString('base64');
    const agent = new AgentSession(sessionId, target, command[0], {
      env: instance.env,
      workDir: join(this.options.workRoot, 'sessions', sessionId),
      timeoutMs: 10 * 60_000,
      kms: this.options.kms,
      kmsKeyId: this.kmsKeyId,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? 15_000,
      faults: { ...this.faults },
    }, (ended) => {
      const session = this.sessions.get(ended.sessionId);
      if (session) {
        session.state = 'Terminated';
        session.endedAt = Date.now();
      }
    });
    this.sessions.set(sessionId, {
      sessionId, target, documentName, command: command[0], reason, state: 'Connected', startedAt: Date.now(), token, agent, stats: agent.stats,
    });
    return { SessionId: sessionId, TokenValue: token, StreamUrl: this.streamUrl(sessionId) };
  }

  private find(body: Record<string, unknown>): Session {
    const sessionId = body.SessionId as string | undefined;
    if (!sessionId) throw new SessionApiError('ValidationException', "1 validation error detected: Value null at 'sessionId' failed to satisfy constraint: Member must not be null");
    const session = this.sessions.get(sessionId);
    if (!session) throw new SessionApiError('DoesNotExistException', `Session ${sessionId} does not exist.`);
    return session;
  }

  resumeSession(body: Record<string, unknown>): unknown {
    const session = this.find(body);
    if (session.state === 'Terminated') throw new SessionApiError('DoesNotExistException', `Session ${session.sessionId} is terminated.`);
    session.token = randomBytes(48).toString('base64');
    return { SessionId: session.sessionId, TokenValue: session.token, StreamUrl: this.streamUrl(session.sessionId) };
  }

  terminateSession(body: Record<string, unknown>): unknown {
    const session = this.find(body);
    session.agent.terminate();
    return { SessionId: session.sessionId };
  }

  /** `upgrade` of the endpoint's HTTP server. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const match = /^\/v1\/data-channel\/([^/?]+)(\?|$)/.exec(req.url ?? '');
    if (this.refuseWebSockets) return refuseUpgrade(socket, 403, 'Forbidden');
    const session = match ? this.sessions.get(decodeURIComponent(match[1])) : undefined;
    if (!session || session.state === 'Terminated') return refuseUpgrade(socket, 404, 'Not Found');
    const connection = acceptWebSocket(req, socket, head);
    if (!connection) return;
    this.sockets.add(connection);
    connection.on('close', () => this.sockets.delete(connection));
    const unauthenticated = setTimeout(() => connection.close(1008, 'no OpenDataChannelInput'), 10_000).unref();
    const first = (data: Buffer, binary: boolean) => {
      if (binary) return; // nothing counts before the token
      connection.removeListener('message', first);
      clearTimeout(unauthenticated);
      let input: { TokenValue?: unknown; MessageSchemaVersion?: unknown };
      try {
        input = JSON.parse(data.toString('utf8'));
      } catch {
        connection.close(1008, 'OpenDataChannelInput is not JSON');
        return;
      }
      if (typeof input.TokenValue !== 'string' || input.TokenValue !== session.token || session.state === 'Terminated') {
        connection.close(1008, 'invalid or used token');
        return;
      }
      session.token = undefined; // single use; ResumeSession issues another
      session.agent.attach(connection);
    };
    connection.on('message', first);
  }

  close(): void {
    for (const session of this.sessions.values()) session.agent.end();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
