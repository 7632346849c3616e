// The "EC2 Instance Metadata" log: one line per IMDS request (method, path, status, ms) and the
// explorer's own events. Every line goes through redactForLog first: tokens, secret keys and
// session tokens never reach the channel. The last lines are kept in memory for tests and the doctor.
import * as vscode from 'vscode';
import { redactForLog } from '../imds/secrets';

/** What the IMDS client reports about each HTTP request it made. */
export interface RequestEvent {
  method: string;
  path: string;
  /** HTTP status; 0 when no answer came (timeout, refused). */
  status: number;
  ms: number;
  /** Short error text when the request failed without a status. */
  error?: string;
  attempt?: number;
}

const KEEP_LINES = 2000;

export class RequestLog implements vscode.Disposable {
  private readonly recent: string[] = [];
  private readonly added = new vscode.EventEmitter<void>();
  /** Fired after each request line, so the status bar can pick up the IMDS mode. */
  readonly onDidLogRequest = this.added.event;

  constructor(readonly channel: vscode.LogOutputChannel) {}

  /** Logs one request of a source. */
  request(sourceLabel: string, event: RequestEvent): void {
    const status = event.status > 0 ? String(event.status) : (event.error ?? 'no answer');
    const attempt = event.attempt && event.attempt > 1 ? ` (attempt ${event.attempt})` : '';
    const line = `[${sourceLabel}] ${event.method} ${event.path} ${status} ${Math.round(event.ms)} ms${attempt}`;
    if (event.status >= 400 || event.status === 0) this.warn(line);
    else this.write('info', line);
    this.added.fire();
  }

  info(message: string): void {
    this.write('info', message);
  }

  warn(message: string): void {
    this.write('warn', message);
  }

  error(message: string): void {
    this.write('error', message);
  }

  /** The last lines written (already redacted), oldest first. */
  lines(): readonly string[] {
    return this.recent;
  }

  dispose(): void {
    this.added.dispose();
  }

  private write(level: 'info' | 'warn' | 'error', message: string): void {
    const safe = redactForLog(message);
    this.recent.push(`${level} ${safe}`);
    if (this.recent.length > KEEP_LINES) this.recent.splice(0, this.recent.length - KEEP_LINES);
    if (level === 'warn') this.channel.warn(safe);
    else if (level === 'error') this.channel.error(safe);
    else this.channel.info(safe);
  }
}
