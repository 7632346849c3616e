// Any failure a source can throw, as the parts an error row and its tooltip show. ImdsError
// (and the SSM source's errors, which follow its shape) carry a summary and a remedy; anything
// else still gets a readable line. No vscode import.
import { redactForLog } from '../imds/secrets';

export interface ImdsErrorLike {
  /** Short line for a tree row, e.g. `Cannot reach IMDS at http://127.0.0.1:9 (ECONNREFUSED)`. */
  summary: string;
  /** Full message, with the path. */
  message: string;
  /** What to do about it. */
  remedy?: string;
  code?: string;
  status?: number;
}

export function describeError(error: unknown): ImdsErrorLike {
  if (error && typeof error === 'object') {
    const e = error as { summary?: unknown; message?: unknown; remedy?: unknown; code?: unknown; status?: unknown; name?: unknown };
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(error);
    return {
      summary: redactForLog(typeof e.summary === 'string' && e.summary !== '' ? e.summary : message),
      message: redactForLog(message),
      remedy: typeof e.remedy === 'string' && e.remedy !== '' ? e.remedy : undefined,
      code: typeof e.code === 'string' ? e.code : typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined,
      status: typeof e.status === 'number' ? e.status : undefined,
    };
  }
  const text = redactForLog(String(error));
  return { summary: text, message: text };
}

/** One line for logs and notifications: message, then the remedy. */
export function errorLine(error: ImdsErrorLike): string {
  return error.remedy ? `${error.message}: ${error.remedy}` : error.message;
}
