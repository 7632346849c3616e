// Gzip with a hard cap on output: zlib stops as soon as the output would pass the cap, so a
// 10 KB gzip bomb costs at most the cap in memory, never the gigabytes it claims.

import * as zlib from 'node:zlib';
import { formatBytes } from './format';

export type GunzipResult =
  | { ok: true; bytes: Buffer; warnings: string[] }
  | { ok: false; error: string };

/** Gzip members start with 1f 8b, then 08 (deflate, the only method) and flags with the top 3 bits clear. */
export function isGzipMagic(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08 && (bytes[3] & 0xe0) === 0;
}

export function gunzipCapped(bytes: Buffer, maxOutputBytes: number): GunzipResult {
  try {
    return { ok: true, bytes: zlib.gunzipSync(bytes, { maxOutputLength: maxOutputBytes }), warnings: [] };
  } catch (error) {
    return explain(bytes, maxOutputBytes, error);
  }
}

function explain(bytes: Buffer, maxOutputBytes: number, error: unknown): GunzipResult {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
    return {
      ok: false,
      error:
        `gzip: the data expands beyond the ${formatBytes(maxOutputBytes)} decoding limit ` +
        `(${formatBytes(bytes.length)} compressed), so decompression was stopped. ` +
        'This is a gzip bomb or far larger than any user-data; showing the compressed bytes.',
    };
  }
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
    const recovered = recoverTruncated(bytes, maxOutputBytes);
    return {
      ok: false,
      error:
        `gzip: the data is truncated: the compressed stream stops before its end ` +
        `(${formatBytes(bytes.length)} present${recovered > 0 ? `, ${formatBytes(recovered)} decompress before the cut` : ''}). ` +
        'cloud-init cannot use it; showing the compressed bytes.',
    };
  }
  if (/incorrect header check/i.test(message)) {
    // The first member decoded, then bytes that are not another gzip member follow.
    const first = firstMember(bytes, maxOutputBytes);
    if (first) {
      return {
        ok: true,
        bytes: first,
        warnings: [
          'gzip: extra bytes follow the compressed data. They were ignored here, but cloud-init ' +
            'rejects such a file and will not decompress it.',
        ],
      };
    }
  }
  if (/incorrect data check|incorrect length check/i.test(message)) {
    return { ok: false, error: `gzip: checksum mismatch (${message}): the data is damaged; showing the compressed bytes.` };
  }
  return { ok: false, error: `gzip: the data is corrupt (${message}); showing the compressed bytes.` };
}

/** How much a truncated stream yields before the cut, for the error message. */
function recoverTruncated(bytes: Buffer, maxOutputBytes: number): number {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: maxOutputBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
  } catch {
    return 0;
  }
}

/** Inflates the first gzip member alone, skipping its header by hand (RFC 1952). */
function firstMember(bytes: Buffer, maxOutputBytes: number): Buffer | undefined {
  if (bytes.length < 18 || bytes[2] !== 8) return undefined;
  const flags = bytes[3];
  let offset = 10;
  if (flags & 0x04) offset += 2 + bytes.readUInt16LE(offset); // FEXTRA
  if (flags & 0x08) offset = bytes.indexOf(0, offset) + 1; // FNAME
  if (flags & 0x10) offset = bytes.indexOf(0, offset) + 1; // FCOMMENT
  if (flags & 0x02) offset += 2; // FHCRC
  if (offset <= 0 || offset >= bytes.length) return undefined;
  try {
    return zlib.inflateRawSync(bytes.subarray(offset), { maxOutputLength: maxOutputBytes });
  } catch {
    return undefined;
  }
}
