// Which way a snapshot reaches the instance: a Session Manager session (output streamed, nothing
// kept in command history, no output cap) or Run Command (SendCommand; works for fleets and
// Windows). `auto` tries the session and falls back to Run Command only for causes that say
// "sessions are not possible here", and keeps the reason to show; other errors are real errors.

import { isSsmError, type SsmErrorCode } from './errors';

export type TransportChoice = 'auto' | 'session' | 'runCommand';
export type TransportName = 'session' | 'runCommand';

export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['auto', 'session', 'runCommand'];

/** Errors after which `auto` uses Run Command instead. */
const FALLBACK_CODES: ReadonlySet<SsmErrorCode> = new Set(['SessionDenied', 'DocumentMissing', 'WebSocketFailed', 'KmsUnusable']);

export function isFallbackCause(error: unknown): boolean {
  return isSsmError(error) && FALLBACK_CODES.has(error.code);
}

export interface TransportUsed {
  transport: TransportName;
  /** Why `auto` did not use a session, when it did not. */
  fallbackReason?: string;
}

export function transportLabel(name: TransportName): string {
  return name === 'session' ? 'Session Manager session' : 'Run Command';
}

/** One line for tooltips, logs and the doctor. */
export function describeTransport(used: TransportUsed): string {
  return used.fallbackReason ? `${transportLabel(used.transport)} (fell back from a session: ${used.fallbackReason})` : transportLabel(used.transport);
}

/** `--ssm-transport` value (session | run-command | auto) or setting value (runCommand) to a choice. */
export function parseTransportChoice(value: string): TransportChoice | undefined {
  const normalized = value.trim().toLowerCase().replace(/[-_]/g, '');
  return normalized === 'auto' ? 'auto' : normalized === 'session' ? 'session' : normalized === 'runcommand' ? 'runCommand' : undefined;
}
