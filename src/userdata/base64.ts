// Strict detection of base64 text the person encoded themselves. The bar is high on purpose: a
// word, a hash or a script must never be "decoded" into garbage. Text counts as base64 only when
// it is one token per line, wrapped the way encoders wrap (equal lines, a multiple of 4 long),
// and what it decodes to means something (text, gzip, MIME).

import { isGzipMagic } from './gzip';
import { decodeText, isMostlyPrintable } from './text';

export type Base64Detection =
  | { kind: 'none'; note?: string }
  | { kind: 'valid'; bytes: Buffer; alphabet: 'base64' | 'base64url'; padded: boolean }
  | { kind: 'invalid'; reason: string };

/** Shortest text (without line breaks) that may be taken for base64. */
const MIN_BASE64_CHARS = 12;
/** Below this, an invalid-looking token is just a word, not damaged base64. */
const MIN_DAMAGED_CHARS = 16;
/** Decoded text shorter than this must contain whitespace to count as text. */
const SHORT_DECODED_BYTES = 48;

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/**
 * Looks at the whole of `bytes`. `maxDecodedBytes` caps the decoded size (input larger than
 * that is reported as too large rather than decoded).
 */
export function detectBase64(bytes: Buffer, maxDecodedBytes: number): Base64Detection {
  if (bytes.length < MIN_BASE64_CHARS) return { kind: 'none' };
  // Base64 is ASCII; anything else is not base64 (checked before making a string of it).
  for (const byte of bytes) {
    if (byte >= 0x80 || byte === 0) return { kind: 'none' };
  }
  const lines = bytes
    .toString('latin1')
    .split('\n')
    .map((line) => line.replace(/[ \t\r]+$/, '').replace(/^[ \t]+/, ''));
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return { kind: 'none' };
  // Words separated by spaces, or paragraphs: prose or a script, not an encoder's output.
  if (lines.some((line) => line === '' || /[ \t]/.test(line))) return { kind: 'none' };
  if (!wrappedLikeAnEncoder(lines)) return { kind: 'none' };

  const compact = lines.join('');
  if (compact.length < MIN_BASE64_CHARS) return { kind: 'none' };

  const firstPad = compact.indexOf('=');
  const body = firstPad === -1 ? compact : compact.slice(0, firstPad);
  const padding = firstPad === -1 ? '' : compact.slice(firstPad);
  const alphabet = STANDARD.test(body) ? 'base64' : URL_SAFE.test(body) ? 'base64url' : undefined;

  if (!alphabet) return damagedOrNone(compact, maxDecodedBytes, firstBadCharacter(body));
  if (!/^={0,2}$/.test(padding)) {
    return damagedOrNone(compact, maxDecodedBytes, {
      index: firstPad,
      reason: `padding "=" appears at position ${firstPad + 1} of ${compact.length}, before the end`,
    });
  }
  if (body.length % 4 === 1 || (padding.length > 0 && compact.length % 4 !== 0)) {
    return damagedOrNone(compact, maxDecodedBytes, {
      index: compact.length,
      reason: `its length (${compact.length} characters) is not a valid base64 length, so it was probably cut short`,
    });
  }
  if (Math.floor((body.length * 3) / 4) > maxDecodedBytes) {
    return { kind: 'none', note: `base64-looking text too large to decode (${body.length} characters)` };
  }

  const decoded = Buffer.from(body, alphabet);
  if (!isMeaningful(decoded)) {
    if (compact.length >= 64 && !/^[0-9a-fA-F]+$/.test(compact)) {
      return { kind: 'none', note: `the text is valid base64 of ${decoded.length} bytes of binary data; shown as text` };
    }
    return { kind: 'none' };
  }
  return { kind: 'valid', bytes: decoded, alphabet, padded: padding.length > 0 || body.length % 4 === 0 };
}

/**
 * Decoded bytes mean something when they are a format cloud-init unpacks (gzip) or clean text:
 * valid UTF-8 (or UTF-16, as PowerShell encodes), with hardly any control characters. Short
 * results must be plain ASCII with a space or line break, like a line of a script: a random
 * 12-letter token decodes to nine printable characters now and then, rarely to words.
 */
export function isMeaningful(decoded: Buffer): boolean {
  if (decoded.length === 0) return false;
  if (isGzipMagic(decoded)) return true;
  const text = decodeText(decoded);
  if (!text || text.charset === 'latin1') return false;
  if (decoded.length < SHORT_DECODED_BYTES) return /^[\x20-\x7e\t\r\n]*[ \n][\x20-\x7e\t\r\n]*$/.test(text.text);
  return isMostlyPrintable(text.text, 0.01);
}

/** Decodes MIME `Content-Transfer-Encoding: base64` bodies leniently (whitespace anywhere). */
export function decodeTransferBase64(bytes: Buffer): { bytes: Buffer; skipped: number } {
  const stripped = bytes.toString('latin1').replace(/\s+/g, '');
  const kept = stripped.replace(/[^A-Za-z0-9+/=]+/g, '');
  return { bytes: Buffer.from(kept, 'base64'), skipped: stripped.length - kept.length };
}

/** Multi-line base64 from `base64`, `openssl` or MIME: equal lines, each a multiple of 4 long. */
function wrappedLikeAnEncoder(lines: string[]): boolean {
  if (lines.length === 1) return true;
  const width = lines[0].length;
  if (width % 4 !== 0) return false;
  for (let i = 1; i < lines.length - 1; i++) if (lines[i].length !== width) return false;
  return lines[lines.length - 1].length <= width;
}

interface Damage {
  index: number;
  reason: string;
}

function firstBadCharacter(body: string): Damage {
  const index = body.search(/[^A-Za-z0-9+/_-]/);
  if (index >= 0) {
    return { index, reason: `character ${JSON.stringify(body[index])} at position ${index + 1} is not in the base64 alphabet` };
  }
  return { index: body.length, reason: 'it mixes the standard and URL-safe base64 alphabets' };
}

/**
 * Text that fails base64 rules is reported as damaged base64 only when it clearly was base64:
 * long, almost all base64 characters, and its undamaged start decodes to something meaningful.
 * Anything else is ordinary text.
 */
function damagedOrNone(compact: string, maxDecodedBytes: number, damage: Damage): Base64Detection {
  if (compact.length < MIN_DAMAGED_CHARS) return { kind: 'none' };
  const foreign = compact.length - compact.replace(/[^A-Za-z0-9+/=_-]+/g, '').length;
  if (foreign > Math.max(1, compact.length * 0.02)) return { kind: 'none' };
  const usable = compact.slice(0, damage.index).replace(/=+$/, '');
  const prefix = usable.slice(0, Math.min(usable.length - (usable.length % 4), maxDecodedBytes));
  if (prefix.length < 8) return { kind: 'none' };
  const alphabet = URL_SAFE.test(prefix) && !STANDARD.test(prefix) ? 'base64url' : 'base64';
  if (!isMeaningful(Buffer.from(prefix, alphabet))) return { kind: 'none' };
  return {
    kind: 'invalid',
    reason: `Invalid base64: ${damage.reason}. The text before it decodes cleanly, so this is damaged base64; showing the raw text.`,
  };
}
