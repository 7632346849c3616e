// One command through a Session Manager session: StartSession with AWS-StartNonInteractiveCommand,
// a WebSocket to the StreamUrl (token in the first, text frame), the data channel until the
// service says channel_closed, then TerminateSession whatever happened. Every step has a deadline
// and every failure says which permission, network path or agent version to fix.

import { randomUUID } from 'node:crypto';
import type { SsmConnection } from '../awsClient';
import { describeAwsError, SsmError, type AwsErrorContext } from '../errors';
import { ChannelError, DataChannel, type ChannelResult } from './channel';
import { CLIENT_VERSION } from './handshake';
import type { DataKeySource } from './kms';

export const SESSION_DOCUMENT = 'AWS-StartNonInteractiveCommand';

export interface SessionCommandOptions {
  instanceId: string;
  /** The command line the agent runs (split like a shell line, no shell). */
  command: string;
  /** Longest the whole session may take, ms. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Shown in the session history (≤ 256 characters). */
  reason?: string;
  /** KMS data keys, for accounts whose sessions are encrypted. */
  dataKeys?: DataKeySource;
  /** Opening the WebSocket, ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Waiting for the agent's handshake request after the socket opened, ms (default 15 s, the agent's own). */
  handshakeTimeoutMs?: number;
  log?: (line: string) => void;
  /** Error context (profile) for messages. */
  context?: Omit<AwsErrorContext, 'operation'>;
}

export interface SessionRun extends ChannelResult {
  sessionId: string;
  /** StartSession to channel_closed, ms. */
  elapsedMs: number;
}

function nameOf(error: unknown): string {
  return error && typeof error === 'object' && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** StartSession's errors, in the words of the session transport. */
export function startSessionError(error: unknown, instanceId: string, region: string, context: AwsErrorContext): SsmError {
  const name = nameOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = region ? ` in ${region}` : '';
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new SsmError('SessionDenied', `Your AWS identity may not start a Session Manager session on ${instanceId}${where} (ssm:StartSession with ${SESSION_DOCUMENT}).`,
      `Allow ssm:StartSession on the instance and on arn:aws:ssm:${region || '<region>'}::document/${SESSION_DOCUMENT}, and ssm:TerminateSession on your own sessions; or set imdsExplorer.ssm.transport to runCommand.`, error);
  }
  if (name === 'InvalidDocument') {
    return new SsmError('DocumentMissing', `The session document ${SESSION_DOCUMENT} is not available${where} (${message}).`,
      'Some new Regions lack it: use Run Command there (imdsExplorer.ssm.transport: runCommand, or --ssm-transport run-command).', error);
  }
  if (name === 'TargetNotConnected') {
    return new SsmError('ConnectionLost', `The SSM agent of ${instanceId} is not connected to Session Manager${where} (${message}).`,
      'Check that the instance runs, that amazon-ssm-agent runs on it, and that it can reach the ssmmessages endpoint (its role needs ssmmessages:* from AmazonSSMManagedInstanceCore).', error);
  }
  return describeAwsError(error, context);
}

function timedOut(instanceId: string, timeoutMs: number, stage: string): SsmError {
  return new SsmError('CommandTimedOut', `The session on ${instanceId} did not finish within ${Math.round(timeoutMs / 1000)} s (${stage}).`,
    'Raise imdsExplorer.ssm.commandTimeoutSeconds (or --ssm-timeout), or check that the instance is not overloaded. The session was terminated.');
}

function channelFailure(error: ChannelError, instanceId: string): SsmError {
  const { failure } = error;
  switch (failure.kind) {
    case 'kms':
      return failure.cause instanceof SsmError ? failure.cause
        : new SsmError('KmsUnusable', `The KMS-encrypted session with ${instanceId} failed: ${failure.message}`,
          'Check the Session Manager KMS key and your kms:GenerateDataKey permission on it, or use Run Command (imdsExplorer.ssm.transport: runCommand).', error);
    case 'handshake':
      return new SsmError('HandshakeFailed', `The session handshake with ${instanceId} failed: ${failure.message}`,
        'The agent needs version 3.0.1124.0 or later for non-interactive command sessions: update amazon-ssm-agent, or use Run Command.', error);
    case 'closed':
      return new SsmError('SessionFailed', `The session on ${instanceId} ended with an error: ${failure.message}`,
        'Read the error above; refresh to try again, or use Run Command (imdsExplorer.ssm.transport: runCommand).', error);
    default:
      return new SsmError('SessionFailed', `The data channel with ${instanceId} failed: ${failure.message}`, 'Refresh to try again.', error);
  }
}

export async function runSessionCommand(connection: SsmConnection, options: SessionCommandOptions): Promise<SessionRun> {
  const { sdk, client, region } = connection;
  const context = (operation: string): AwsErrorContext => ({
    operation, region: region || undefined, profile: connection.profile, endpoint: connection.endpoint, instanceId: options.instanceId, ...options.context,
  });
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  if (options.signal?.aborted) throw new SsmError('Cancelled', 'The SSM snapshot was cancelled.', 'Refresh to take it again.');

  let start;
  try {
    start = await client.send(new sdk.StartSessionCommand({
      Target: options.instanceId,
      DocumentName: SESSION_DOCUMENT,
      Parameters: { command: [options.command] },
      ...(options.reason ? { Reason: options.reason.slice(0, 256) } : {}),
    }), { abortSignal: AbortSignal.timeout(remaining()) });
  } catch (error) {
    if (Date.now() >= deadline) throw timedOut(options.instanceId, options.timeoutMs, 'StartSession');
    throw startSessionError(error, options.instanceId, region, context('StartSession'));
  }
  const sessionId = start.SessionId;
  if (!sessionId || !start.StreamUrl || !start.TokenValue) {
    throw new SsmError('ServiceError', 'StartSession answered without a session id, stream URL or token.', 'Try again.');
  }
  options.log?.(`session ${sessionId}: opening the data channel at ${hostOf(start.StreamUrl)}`);

  const { WebSocket } = await import('../../../aws/sdk/webSocket');
  let socket: InstanceType<typeof WebSocket> | undefined;
  const timers: NodeJS.Timeout[] = [];
  let onAbort: (() => void) | undefined;
  try {
    const result = await new Promise<ChannelResult>((resolve, reject) => {
      let opened = false;
      const channel = new DataChannel({
        sessionId,
        targetId: options.instanceId,
        dataKey: options.dataKeys,
        log: options.log,
        send: (frame) => {
          if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
        },
      });
      const fail = (error: Error) => {
        channel.fail(error);
        reject(error);
      };
      channel.done.then(resolve, (error: unknown) => reject(error instanceof ChannelError ? channelFailure(error, options.instanceId) : error));

      try {
        socket = new WebSocket(start.StreamUrl!);
      } catch (error) {
        fail(new SsmError('WebSocketFailed', `Cannot open a WebSocket to ${hostOf(start.StreamUrl!)}: ${error instanceof Error ? error.message : String(error)}.`,
          'Check that this machine may open WebSockets (wss) to the ssmmessages endpoint, or use Run Command (imdsExplorer.ssm.transport: runCommand).', error));
        return;
      }
      socket.binaryType = 'arraybuffer';
      const connectMs = Math.min(options.connectTimeoutMs ?? 10_000, remaining());
      timers.push(setTimeout(() => {
        if (!opened) fail(new SsmError('WebSocketFailed', `The WebSocket to ${hostOf(start.StreamUrl!)} did not open within ${Math.round(connectMs / 1000)} s.`,
          'A proxy or firewall may block WebSockets to the ssmmessages endpoint: allow it, or use Run Command (imdsExplorer.ssm.transport: runCommand).'));
      }, connectMs));
      timers.push(setTimeout(() => fail(timedOut(options.instanceId, options.timeoutMs, channel.handshakeDone ? 'waiting for the output' : 'handshake')), remaining()));
      onAbort = () => fail(new SsmError('Cancelled', 'The SSM snapshot was cancelled.', 'Refresh to take it again.'));
      options.signal?.addEventListener('abort', onAbort, { once: true });

      socket.addEventListener('open', () => {
        opened = true;
        socket!.send(JSON.stringify({
          MessageSchemaVersion: '1.0',
          RequestId: randomUUID(),
          TokenValue: start.TokenValue,
          ClientId: randomUUID(),
          ClientVersion: CLIENT_VERSION,
        }));
        const handshakeMs = Math.min(options.handshakeTimeoutMs ?? 15_000, remaining());
        timers.push(setTimeout(() => {
          if (!channel.handshakeBegun) {
            fail(new SsmError('HandshakeFailed', `The agent on ${options.instanceId} did not start the session handshake within ${Math.round(handshakeMs / 1000)} s.`,
              'Update amazon-ssm-agent to 3.0.1124.0 or later (non-interactive command sessions), check that it runs, or use Run Command (imdsExplorer.ssm.transport: runCommand).'));
          }
        }, handshakeMs));
      });
      socket.addEventListener('message', (event) => {
        const data = event.data as unknown;
        if (data instanceof ArrayBuffer) channel.receive(Buffer.from(data));
        else if (typeof data === 'string') options.log?.(`session ${sessionId}: text frame ignored: ${data.slice(0, 200)}`);
      });
      socket.addEventListener('error', () => {
        if (!opened) {
          fail(new SsmError('WebSocketFailed', `Cannot open a WebSocket to ${hostOf(start.StreamUrl!)}.`,
            'A proxy or firewall may block WebSockets to the ssmmessages endpoint: allow it, or use Run Command (imdsExplorer.ssm.transport: runCommand).'));
        }
      });
      socket.addEventListener('close', (event) => {
        const why = `${event.code}${event.reason ? ` ${event.reason}` : ''}`;
        if (!opened) {
          fail(new SsmError('WebSocketFailed', `The WebSocket to ${hostOf(start.StreamUrl!)} closed before it opened (${why}).`,
            'A proxy or firewall may block WebSockets to the ssmmessages endpoint: allow it, or use Run Command (imdsExplorer.ssm.transport: runCommand).'));
        } else if (!channel.closing) {
          fail(new SsmError('SessionFailed', `The data channel with ${options.instanceId} closed before the command's output ended (${why}).`,
            'The connection dropped (network, proxy idle timeout, or the session was terminated): refresh to try again.'));
        }
      });
    });
    return { ...result, sessionId, elapsedMs: Date.now() - started };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    try {
      socket?.close(1000);
    } catch {
      // already closing
    }
    await terminate(connection, sessionId, options.log);
  }
}

/** TerminateSession, best effort and bounded: the service ends idle sessions anyway. */
async function terminate(connection: SsmConnection, sessionId: string, log?: (line: string) => void): Promise<void> {
  try {
    await connection.client.send(new connection.sdk.TerminateSessionCommand({ SessionId: sessionId }), { abortSignal: AbortSignal.timeout(5000) });
  } catch (error) {
    log?.(`session ${sessionId}: TerminateSession failed (${nameOf(error) || String(error)}); the service ends it after its idle timeout.`);
  }
}
