// What a failed HTTP exchange's error code means. The client and the doctor's raw probes both sort
// undici and socket errors this way, so they share one list.

/** The connection could not be made at all (nothing listening, no route, no name, not allowed). */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EACCES', 'EPERM', 'EAFNOSUPPORT']);
/** The connection was made, then closed under the request: worth another attempt. */
export const RESET_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** Connected, but the headers or the body did not arrive in time. */
export const ANSWER_TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
export const CONNECT_TIMEOUT_CODE = 'UND_ERR_CONNECT_TIMEOUT';

/**
 * The first specific `code` on the error or its causes (undici and the AWS SDK wrap socket
 * errors); `accept` says which codes count (default: all but undici's generic UND_ERR).
 */
export function transportErrorCode(error: unknown, accept: (code: string) => boolean = (code) => code !== 'UND_ERR'): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && accept(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
