// MIME multi-part user-data (RFC 2045/2046) as cloud-init writes and reads it: a header block,
// a boundary, parts with their own headers and transfer encodings. Parsing works on a Latin-1
// view of the bytes so that string offsets are byte offsets and binary parts survive untouched.

import { decodeTransferBase64 } from './base64';

export interface MimeEntity {
  /** Lower-cased media type, e.g. `text/x-shellscript`; `text/plain` when none is declared. */
  contentType: string;
  /** Content-Type parameters, names lower-cased (`charset`, `boundary`, `name`). */
  params: Record<string, string>;
  filename?: string;
  /** Lower-cased Content-Transfer-Encoding, `7bit` when absent. */
  transferEncoding: string;
  /** The body after transfer decoding. */
  body: Buffer;
}

export type MimeParse =
  | { ok: true; entities: MimeEntity[]; multipart: boolean; warnings: string[] }
  | { ok: false; error: string; warnings: string[] };

export interface MimeParseOptions {
  maxParts: number;
  /** Nesting allowed for multipart parts inside multipart parts. */
  maxDepth: number;
}

interface HeaderBlock {
  headers: Map<string, string>;
  bodyStart: number;
  /** False when a line that is not a header ended the block early (no blank line). */
  clean: boolean;
}

/** Header blocks longer than this are not user-data MIME headers. */
const MAX_HEADER_BYTES = 16 * 1024;

/**
 * True when the bytes start with a MIME header block that declares MIME: a `Content-Type`
 * or `MIME-Version` header among the leading header lines (cloud-init looks for MIME-Version).
 */
export function looksLikeMime(bytes: Buffer): boolean {
  const head = bytes.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const block = readHeaderBlock(head, 0);
  if (!block) return false;
  return block.headers.has('content-type') || block.headers.has('mime-version');
}

export function parseMime(bytes: Buffer, options: MimeParseOptions): MimeParse {
  const text = bytes.toString('latin1');
  const warnings: string[] = [];
  const entities: MimeEntity[] = [];
  const error = parseEntity(text, 0, text.length, options, 0, entities, warnings, 'the MIME message');
  if (error) return { ok: false, error, warnings };
  return { ok: true, entities, multipart: isMultipart(text), warnings };
}

function isMultipart(text: string): boolean {
  const block = readHeaderBlock(text.slice(0, MAX_HEADER_BYTES), 0);
  return parseContentType(block?.headers.get('content-type') ?? '').type.startsWith('multipart/');
}

/** Parses one entity in text[start, end); leaves go to `out`. Returns an error message or undefined. */
function parseEntity(
  text: string,
  start: number,
  end: number,
  options: MimeParseOptions,
  depth: number,
  out: MimeEntity[],
  warnings: string[],
  where: string,
): string | undefined {
  const block = readHeaderBlock(text, start, end) ?? { headers: new Map<string, string>(), bodyStart: start, clean: false };
  if (!block.clean && block.headers.size > 0) {
    warnings.push(`MIME: the headers of ${where} do not end with a blank line; the rest was read as its body.`);
  }
  const { type, params } = parseContentType(block.headers.get('content-type') ?? 'text/plain');

  if (type.startsWith('multipart/')) {
    if (depth >= options.maxDepth) {
      return `Malformed MIME: multipart nesting deeper than ${options.maxDepth} levels in ${where}; showing the raw bytes.`;
    }
    const boundary = params.boundary;
    if (!boundary) {
      return `Malformed MIME: ${where} is ${type} but its Content-Type has no boundary parameter; showing the raw bytes.`;
    }
    const split = splitMultipart(text, block.bodyStart, end, boundary, options.maxParts + 1);
    if (!split.seen) {
      return `Malformed MIME: the boundary "${boundary}" declared by ${where} never appears in its body; showing the raw bytes.`;
    }
    if (split.ranges.length === 0) {
      return `Malformed MIME: ${where} has a boundary but no parts; showing the raw bytes.`;
    }
    if (!split.closed) {
      warnings.push(`MIME: ${where} has no closing boundary (--${boundary}--); it may be truncated.`);
    }
    for (const [partStart, partEnd] of split.ranges) {
      if (out.length >= options.maxParts) {
        warnings.push(`MIME: more than ${options.maxParts} parts; the rest are not shown.`);
        break;
      }
      const error = parseEntity(text, partStart, partEnd, options, depth + 1, out, warnings, `part ${out.length + 1}`);
      if (error) return error;
    }
    return undefined;
  }

  const transferEncoding = (block.headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  const rawBody = Buffer.from(text.slice(block.bodyStart, end), 'latin1');
  const body = decodeTransfer(rawBody, transferEncoding, where, warnings);
  const disposition = parseContentType(block.headers.get('content-disposition') ?? '');
  const filename = disposition.params.filename ?? params.name;
  out.push({ contentType: type || 'text/plain', params, transferEncoding, body, ...(filename ? { filename } : {}) });
  return undefined;
}

function decodeTransfer(body: Buffer, encoding: string, where: string, warnings: string[]): Buffer {
  switch (encoding) {
    case '7bit':
    case '8bit':
    case 'binary':
    case '':
      return body;
    case 'base64': {
      const decoded = decodeTransferBase64(body);
      if (decoded.skipped > 0) {
        warnings.push(`MIME: the base64 body of ${where} has ${decoded.skipped} characters outside the base64 alphabet; they were skipped.`);
      }
      return decoded.bytes;
    }
    case 'quoted-printable':
      return decodeQuotedPrintable(body.toString('latin1'));
    default:
      warnings.push(`MIME: ${where} uses Content-Transfer-Encoding "${encoding}", which is not decoded here; shown as is.`);
      return body;
  }
}

/** RFC 2045 §6.7: `=XX` escapes and `=` soft line breaks. Invalid escapes are kept literally. */
export function decodeQuotedPrintable(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      if (text[i + 1] === '\r' && text[i + 2] === '\n') {
        i += 2;
        continue;
      }
      if (text[i + 1] === '\n') {
        i += 1;
        continue;
      }
      const hex = text.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        out[length++] = parseInt(hex, 16);
        i += 2;
        continue;
      }
    }
    out[length++] = code & 0xff;
  }
  return out.subarray(0, length);
}

/**
 * Reads RFC 822 header lines from `start` up to the blank line. Undefined when the first line is
 * not a header at all.
 */
function readHeaderBlock(text: string, start: number, end = text.length): HeaderBlock | undefined {
  const headers = new Map<string, string>();
  let position = start;
  let last: string | undefined;
  const limit = Math.min(end, start + MAX_HEADER_BYTES);
  while (position < end) {
    const newline = text.indexOf('\n', position);
    const lineEnd = newline === -1 || newline >= end ? end : newline;
    const line = text.slice(position, lineEnd).replace(/\r$/, '');
    const next = lineEnd === end ? end : lineEnd + 1;
    if (line === '') return { headers, bodyStart: next, clean: true };
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      headers.set(last, `${headers.get(last)} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0 || !/^[!-9;-~]+$/.test(line.slice(0, colon)) || position >= limit) {
        if (position === start) return undefined;
        return { headers, bodyStart: position, clean: false };
      }
      last = line.slice(0, colon).toLowerCase();
      // The first occurrence wins, as in Python's email package `msg[name]`.
      if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim());
      else last = undefined;
    }
    position = next;
  }
  return { headers, bodyStart: end, clean: false };
}

/**
 * Splits a multipart body on `--boundary` lines. Each range is a part (headers and body) without
 * the line break that belongs to the next delimiter.
 */
function splitMultipart(
  text: string,
  start: number,
  end: number,
  boundary: string,
  maxRanges: number,
): { ranges: Array<[number, number]>; closed: boolean; seen: boolean } {
  const delimiter = `--${boundary}`;
  const ranges: Array<[number, number]> = [];
  let partStart = -1;
  let search = start;
  while (search < end) {
    const found = text.indexOf(delimiter, search);
    if (found === -1 || found >= end) break;
    search = found + delimiter.length;
    if (found !== start && text[found - 1] !== '\n') continue;
    let after = found + delimiter.length;
    const closing = text.startsWith('--', after) && after + 2 <= end;
    if (closing) after += 2;
    while (after < end && (text[after] === ' ' || text[after] === '\t')) after++;
    if (after < end && text[after] !== '\r' && text[after] !== '\n') continue;
    if (partStart !== -1) ranges.push([partStart, lineBreakBefore(text, found, partStart)]);
    if (closing) return { ranges, closed: true, seen: true };
    // Enough parts to show (and to tell there are more): stop rather than index thousands.
    if (ranges.length >= maxRanges) return { ranges, closed: true, seen: true };
    if (text[after] === '\r') after++;
    partStart = after < end ? after + 1 : end;
  }
  if (partStart !== -1 && partStart < end) ranges.push([partStart, end]);
  return { ranges, closed: false, seen: partStart !== -1 };
}

/** The delimiter's line break (CRLF or LF) belongs to the delimiter, not to the part. */
function lineBreakBefore(text: string, delimiterStart: number, partStart: number): number {
  let cut = delimiterStart;
  if (cut > partStart && text[cut - 1] === '\n') cut--;
  if (cut > partStart && text[cut - 1] === '\r') cut--;
  return cut;
}

/** `type/subtype; name=value; name="quoted value"` with RFC 2231 `name*=utf-8''...` values. */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [head, ...rest] = splitOutsideQuotes(value, ';');
  // No prototype: a parameter named __proto__ or toString is only ever a parameter.
  const params = Object.create(null) as Record<string, string>;
  for (const piece of rest) {
    const equals = piece.indexOf('=');
    if (equals <= 0) continue;
    let name = piece.slice(0, equals).trim().toLowerCase();
    let raw = piece.slice(equals + 1).trim();
    if (raw.startsWith('"')) raw = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined).replace(/\\(.)/g, '$1');
    if (name.endsWith('*')) {
      name = name.slice(0, -1);
      raw = decodeExtendedValue(raw);
    }
    if (!Object.hasOwn(params, name)) params[name] = raw;
  }
  // Spread keeps every key an own data property (even __proto__) in an ordinary object.
  return { type: head.trim().toLowerCase(), params: { ...params } };
}

function splitOutsideQuotes(value: string, separator: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && quoted && i + 1 < value.length) {
      current += char + value[++i];
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  pieces.push(current);
  return pieces;
}

/** RFC 2231: `charset'language'percent-encoded`. */
function decodeExtendedValue(raw: string): string {
  const match = /^([^']*)'[^']*'(.*)$/.exec(raw);
  if (!match) return raw;
  const bytes = Buffer.from(match[2].replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  return match[1].toLowerCase() === 'utf-8' ? bytes.toString('utf8') : bytes.toString('latin1');
}
