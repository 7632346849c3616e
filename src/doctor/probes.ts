// Raw HTTP probes: the doctor needs what a client hides (a tokenless GET answered 401, a PUT that
// never gets an answer, the time to the first byte), so it speaks HTTP itself through undici.
// Every exchange is logged without its body; the body goes back to the caller only.

import { Client } from 'undici';
import { TOKEN_HEADER, TOKEN_TTL_HEADER, backoffDelayMs } from '../imds/client';
import { ANSWER_TIMEOUT_CODES, CONNECT_TIMEOUT_CODE, RESET_CODES, UNREACHABLE_CODES, transportErrorCode } from '../imds/transportCodes';
import type { Exchange, ProbeOutcome } from './types';

/** Largest body read: IMDS values are small (user data at most 16 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ProbeRequest {
  method: 'GET' | 'PUT';
  path: string;
  /** IMDSv2 token to send (GET) — it is never logged. */
  token?: string;
  /** Token TTL to ask for (PUT). */
  ttlSeconds?: number;
  /** Time for the answer's headers to arrive. */
  timeoutMs: number;
}

export interface ProbeResult {
  exchange: Exchange;
  /** Body of the answer (never logged; may be a token or credentials). */
  body?: Buffer;
}

export interface ProbeOptions {
  connectTimeoutMs: number;
  /** Called with every exchange, for the report's exchange log. */
  record?: (exchange: Exchange) => void;
  /** Called when a retried request stayed throttled on every attempt. */
  onGiveUp?: (exchange: Exchange) => void;
  /** Date.now() past which no probe waits any more: the whole doctor run's deadline. */
  deadlineAt?: number;
}

/** Error code of a probe not sent, or cut short, because the doctor run's deadline passed. */
export const DOCTOR_DEADLINE_CODE = 'DOCTOR_DEADLINE';

function outcomeOf(code: string | undefined): ProbeOutcome {
  if (code === undefined) return 'error';
  if (ANSWER_TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === CONNECT_TIMEOUT_CODE) return 'connect-timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (RESET_CODES.has(code)) return 'reset';
  return 'error';
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * One request on a fresh connection (so the first-byte time includes connecting, as a program
 * starting up would see it). Never throws: transport failures come back as an outcome.
 */
export async function probe(origin: string, request: ProbeRequest, options: ProbeOptions): Promise<ProbeResult> {
  const headers: Record<string, string> = { 'user-agent': 'ec2-metadata-explorer-doctor', accept: '*/*' };
  if (request.token !== undefined) headers[TOKEN_HEADER] = request.token;
  if (request.method === 'PUT') headers[TOKEN_TTL_HEADER] = String(request.ttlSeconds ?? 60);
  const client = new Client(origin, {
    connect: { timeout: options.connectTimeoutMs },
    headersTimeout: request.timeoutMs,
    bodyTimeout: request.timeoutMs,
    keepAliveTimeout: 1000,
  });
  const started = performance.now();
  const exchange: Exchange = {
    method: request.method,
    origin,
    path: request.path,
    withToken: request.token !== undefined,
    status: 0,
    outcome: 'error',
    totalMs: 0,
  };
  let body: Buffer | undefined;
  // undici's own timeouts fire up to a second late; this timer makes "no answer within N ms" exact.
  const abort = new AbortController();
  let timedOut = false;
  const left = options.deadlineAt === undefined ? Infinity : options.deadlineAt - Date.now();
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, Math.max(0, Math.min(request.timeoutMs, left)));
  try {
    const response = await client.request({ method: request.method, path: request.path, headers, signal: abort.signal });
    exchange.firstByteMs = round(performance.now() - started);
    exchange.status = response.statusCode;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        response.body.destroy();
        break;
      }
      chunks.push(chunk as Buffer);
    }
    body = Buffer.concat(chunks);
    exchange.bytes = size;
    exchange.outcome = 'answered';
  } catch (error) {
    const code = timedOut && left < request.timeoutMs ? DOCTOR_DEADLINE_CODE : timedOut ? (exchange.status !== 0 ? 'UND_ERR_BODY_TIMEOUT' : 'UND_ERR_HEADERS_TIMEOUT') : transportErrorCode(error);
    // Headers that came before the body failed still count as an answer.
    exchange.outcome = exchange.status !== 0 ? 'answered' : outcomeOf(code);
    if (code) exchange.errorCode = code;
    else if (error instanceof Error) exchange.errorCode = error.message.slice(0, 80);
  } finally {
    clearTimeout(timer);
    exchange.totalMs = round(performance.now() - started);
    client.destroy().catch(() => undefined);
  }
  options.record?.(exchange);
  return { exchange, body };
}

export function isThrottleStatus(status: number): boolean {
  return status === 429 || status === 503;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A probe that retries throttled answers (429/503) with exponential backoff, as well-behaved
 * clients do; every attempt is logged, so the throttling check still sees them.
 */
export async function probeWithRetry(
  origin: string,
  request: ProbeRequest,
  options: ProbeOptions & { retries: number; retryBaseMs: number },
): Promise<ProbeResult & { attempts: number; throttled: number }> {
  let throttled = 0;
  for (let attempt = 1; ; attempt++) {
    const result = await probe(origin, request, options);
    if (!isThrottleStatus(result.exchange.status)) return { ...result, attempts: attempt, throttled };
    throttled++;
    if (attempt > options.retries) {
      options.onGiveUp?.(result.exchange);
      return { ...result, attempts: attempt, throttled };
    }
    await sleep(backoffDelayMs(attempt, { baseMs: options.retryBaseMs, maxMs: Infinity }));
  }
}

/** `GET /latest/meta-data/ (no token) → 200, first byte 1.9 ms, 2.1 ms in all`, for evidence lines. */
export function describeExchange(exchange: Exchange, options: { origin?: boolean } = {}): string {
  const where = options.origin ? `${exchange.origin}${exchange.path}` : exchange.path;
  const token = exchange.method === 'GET' ? (exchange.withToken ? ' (with token)' : ' (no token)') : '';
  const head = `${exchange.method} ${where}${token}`;
  if (exchange.outcome === 'answered') {
    const first = exchange.firstByteMs !== undefined ? `, first byte ${exchange.firstByteMs} ms` : '';
    return `${head} → ${exchange.status}${first}, ${exchange.totalMs} ms in all`;
  }
  const why: Record<Exclude<ProbeOutcome, 'answered'>, string> = {
    timeout: 'connected, but no answer',
    'connect-timeout': 'no connection',
    refused: 'connection refused',
    unreachable: 'network unreachable',
    reset: 'connection reset',
    error: 'failed',
  };
  const code = exchange.errorCode ? ` (${exchange.errorCode})` : '';
  return `${head} → ${why[exchange.outcome]} after ${exchange.totalMs} ms${code}`;
}
