// Binary user-data is shown as a short, honest summary: what it seems to be, how big it is, and
// the first bytes as a classic hex dump, never as mojibake.

import { createHash } from 'node:crypto';
import { formatBytes } from './format';

interface Magic {
  bytes: number[];
  label: string;
  /** Compressed formats cloud-init does not unpack (it only gunzips). */
  compressed?: boolean;
}

const MAGICS: Magic[] = [
  { bytes: [0x1f, 0x8b], label: 'gzip data' },
  { bytes: [0x42, 0x5a, 0x68], label: 'bzip2 data', compressed: true },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], label: 'xz data', compressed: true },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], label: 'zstd data', compressed: true },
  { bytes: [0x50, 0x4b, 0x03, 0x04], label: 'zip archive', compressed: true },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], label: '7-zip archive', compressed: true },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], label: 'ELF executable' },
  { bytes: [0x4d, 0x5a], label: 'Windows executable (MZ)' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], label: 'PNG image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], label: 'PDF document' },
];

/** What the leading bytes say the data is, e.g. `bzip2 data`; `binary data` when unknown. */
export function sniffBinary(bytes: Buffer): { label: string; compressed: boolean } {
  for (const magic of MAGICS) {
    if (bytes.length >= magic.bytes.length && magic.bytes.every((byte, i) => bytes[i] === byte)) {
      return { label: magic.label, compressed: magic.compressed === true };
    }
  }
  if (bytes.length > 262 && bytes.toString('latin1', 257, 262) === 'ustar') return { label: 'tar archive', compressed: false };
  return { label: 'binary data', compressed: false };
}

/** A few header lines and a hex dump of the first `maxBytes` bytes. */
export function hexDumpSummary(bytes: Buffer, maxBytes: number): string {
  const { label } = sniffBinary(bytes);
  const shown = bytes.subarray(0, Math.max(0, maxBytes));
  const lines = [
    `${label}: ${formatBytes(bytes.length)}`,
    `sha256: ${createHash('sha256').update(bytes).digest('hex')}`,
    '',
  ];
  for (let offset = 0; offset < shown.length; offset += 16) {
    const row = shown.subarray(offset, offset + 16);
    const hex = Array.from(row, (byte) => byte.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = Array.from(row, (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (bytes.length > shown.length) lines.push(`… ${formatBytes(bytes.length - shown.length)} more not shown`);
  return lines.join('\n') + '\n';
}
