// Deciding whether bytes are text, and in which encoding, without trusting any header: user-data
// is whatever the person uploaded (UTF-8 from an editor, UTF-16 from Notepad, or plain binary).

export type TextCharset = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export interface DecodedText {
  text: string;
  charset: TextCharset;
  /** True when a byte order mark was found (and removed from `text`). */
  bom: boolean;
}

/** Share of control characters (beyond usual whitespace) above which text counts as binary. */
const MAX_CONTROL_RATIO = 0.05;

/**
 * Decodes `bytes` as text when they plausibly are text; returns undefined for binary data.
 * `charsetHint` (from a MIME `charset=` parameter) is honoured when it names Latin-1 or UTF-16.
 */
export function decodeText(bytes: Buffer, charsetHint?: string): DecodedText | undefined {
  if (bytes.length === 0) return { text: '', charset: 'utf-8', bom: false };

  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return checked(bytes.subarray(3), 'utf-8', true);
  if (startsWith(bytes, [0xff, 0xfe])) return checked(bytes.subarray(2), 'utf-16le', true);
  if (startsWith(bytes, [0xfe, 0xff])) return checked(bytes.subarray(2), 'utf-16be', true);

  const hint = (charsetHint ?? '').toLowerCase();
  if (hint === 'utf-16le' || hint === 'utf-16') return checked(bytes, 'utf-16le', false);
  if (hint === 'utf-16be') return checked(bytes, 'utf-16be', false);
  if (hint === 'iso-8859-1' || hint === 'latin1' || hint === 'windows-1252' || hint === 'latin-1') {
    return checked(bytes, 'latin1', false);
  }

  const utf16 = guessUtf16WithoutBom(bytes);
  if (utf16) return checked(bytes, utf16, false);
  if (bytes.includes(0)) return undefined;

  const utf8 = checked(bytes, 'utf-8', false);
  if (utf8) return utf8;
  // Not valid UTF-8: a script saved in a legacy code page is still text, mostly ASCII.
  let high = 0;
  for (const byte of bytes) if (byte >= 0x80) high++;
  if (high / bytes.length > 0.3) return undefined;
  return checked(bytes, 'latin1', false);
}

/** True when the decoded text is made of printable characters and usual whitespace only. */
export function isMostlyPrintable(text: string, maxControlRatio = MAX_CONTROL_RATIO): boolean {
  if (text.length === 0) return true;
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isControl(code)) control++;
  }
  return control / text.length <= maxControlRatio;
}

function checked(bytes: Buffer, charset: TextCharset, bom: boolean): DecodedText | undefined {
  let text: string;
  try {
    text = decodeAs(bytes, charset);
  } catch {
    return undefined;
  }
  if (text.includes('\u0000')) return undefined;
  if (!isMostlyPrintable(text)) return undefined;
  return { text, charset, bom };
}

function decodeAs(bytes: Buffer, charset: TextCharset): string {
  switch (charset) {
    case 'utf-8':
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    case 'utf-16le':
      if (bytes.length % 2 !== 0) throw new Error('odd length');
      return bytes.toString('utf16le');
    case 'utf-16be': {
      if (bytes.length % 2 !== 0) throw new Error('odd length');
      const swapped = Buffer.from(bytes);
      swapped.swap16();
      return swapped.toString('utf16le');
    }
    case 'latin1':
      return bytes.toString('latin1');
  }
}

/** UTF-16 without a BOM shows as ASCII with a zero byte beside every character. */
function guessUtf16WithoutBom(bytes: Buffer): TextCharset | undefined {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return undefined;
  const pairs = Math.min(bytes.length / 2, 4096);
  let zeroHigh = 0;
  let zeroLow = 0;
  for (let i = 0; i < pairs; i++) {
    const first = bytes[2 * i];
    const second = bytes[2 * i + 1];
    if (second === 0 && first !== 0) zeroHigh++;
    if (first === 0 && second !== 0) zeroLow++;
  }
  if (zeroHigh / pairs >= 0.9) return 'utf-16le';
  if (zeroLow / pairs >= 0.9) return 'utf-16be';
  return undefined;
}

function isControl(code: number): boolean {
  if (code === 0x09 || code === 0x0a || code === 0x0d || code === 0x0c || code === 0x0b || code === 0x1b) {
    return false;
  }
  return code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0xfffd;
}

function startsWith(bytes: Buffer, prefix: number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((byte, i) => bytes[i] === byte);
}
