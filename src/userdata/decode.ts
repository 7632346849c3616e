// Layered decoding of user-data: peel base64 and gzip as long as they are there, then split a
// MIME archive or Windows blocks, then classify each piece. Every layer is capped, and a layer
// that fails leaves a clear error and the bytes it could not decode.

import { detectBase64 } from './base64';
import { classifyPart, classifyText, type Classification } from './classify';
import { formatBytes } from './format';
import { gunzipCapped, isGzipMagic } from './gzip';
import { hexDumpSummary, sniffBinary } from './hexdump';
import { lintText } from './lint';
import { looksLikeMime, parseMime, type MimeEntity } from './mime';
import { decodeText } from './text';
import {
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  type DecodedUserData,
  type UserDataLayer,
  type UserDataPart,
  type WindowsUserDataSettings,
} from './types';
import { parseWindowsUserData } from './windows';

const BASE64_WARNING =
  'The user-data is itself base64 text. EC2 decodes the base64 of the API call once and cloud-init does ' +
  'not decode again, so on an instance cloud-init sees this text, not your script: it was encoded twice. ' +
  'Pass the plain file and let the tool or SDK encode it.';

const DOUBLE_GZIP_WARNING =
  'The data is gzip-compressed more than once. cloud-init decompresses only once, so it sees gzip data ' +
  'and ignores it. Compress once.';

const UTF8_BOM_WARNING =
  'The data starts with a UTF-8 byte order mark. cloud-init does not skip it, so it does not see ' +
  '"#!" or "#cloud-config" first and ignores the user-data. Save the file as UTF-8 without BOM.';

/** Mutable state of one decode: the byte budget shared by all layers and parts. */
interface Context {
  limits: DecodeLimits;
  budget: number;
  warnings: string[];
}

export function decodeUserData(bytes: Buffer, limits: Partial<DecodeLimits> = {}): DecodedUserData {
  const context: Context = { limits: { ...DEFAULT_DECODE_LIMITS, ...limits }, budget: 0, warnings: [] };
  context.budget = context.limits.maxTotalBytes;
  const layers: UserDataLayer[] = [];

  if (bytes.length === 0) {
    return {
      raw: bytes,
      layers,
      summary: 'empty (0 bytes)',
      parts: [],
      warnings: ['The user-data is empty: nothing runs at boot.'],
    };
  }

  let current = bytes;
  let failure: { layer: UserDataLayer; message: string } | undefined;
  let parts: UserDataPart[] | undefined;
  let windows: WindowsUserDataSettings | undefined;

  for (let depth = 0; parts === undefined; depth++) {
    if (depth >= context.limits.maxDepth) {
      context.warnings.push(`Stopped after ${depth} layers of encoding; the rest is shown as it is.`);
      break;
    }
    if (isGzipMagic(current)) {
      const result = gunzipCapped(current, layerCap(context));
      if (!result.ok) {
        failure = { layer: 'gzip', message: result.error };
        parts = [rawPart(current, context)];
        break;
      }
      context.warnings.push(...result.warnings);
      spend(context, result.bytes.length);
      if (layers.includes('gzip') && !layers.includes('base64')) context.warnings.push(DOUBLE_GZIP_WARNING);
      layers.push('gzip');
      current = result.bytes;
      continue;
    }
    const base64 = detectBase64(current, layerCap(context));
    if (base64.kind === 'valid') {
      if (!layers.includes('base64')) context.warnings.push(BASE64_WARNING);
      if (!base64.padded) context.warnings.push('base64: the "=" padding at the end is missing; decoded anyway.');
      spend(context, base64.bytes.length);
      layers.push('base64');
      current = base64.bytes;
      continue;
    }
    if (base64.kind === 'invalid') {
      failure = { layer: 'base64', message: base64.reason };
      parts = [rawPart(current, context)];
      break;
    }
    if (base64.note) context.warnings.push(`base64: ${base64.note}.`);

    if (current.length >= 3 && current[0] === 0xef && current[1] === 0xbb && current[2] === 0xbf) {
      context.warnings.push(UTF8_BOM_WARNING);
      current = current.subarray(3);
    }
    if (looksLikeMime(current)) {
      const mime = parseMime(current, { maxParts: context.limits.maxParts, maxDepth: Math.max(1, context.limits.maxDepth - depth) });
      context.warnings.push(...mime.warnings);
      if (!mime.ok) {
        failure = { layer: 'mime', message: mime.error };
        parts = [rawPart(current, context)];
        break;
      }
      layers.push('mime');
      parts = mime.entities.map((entity, index) => partFromEntity(entity, index, mime.entities.length, context));
      break;
    }
    const leaf = leafParts(current, context);
    parts = leaf.parts;
    windows = leaf.windows;
  }
  parts ??= [rawPart(current, context)];

  const decoded: DecodedUserData = {
    raw: bytes,
    layers,
    summary: summarise(layers, parts, windows, failure?.layer),
    parts,
    warnings: context.warnings,
  };
  if (failure) decoded.error = failure.message;
  if (windows) decoded.windows = windows;
  return decoded;
}

function layerCap(context: Context): number {
  return Math.max(0, Math.min(context.limits.maxLayerBytes, context.budget));
}

function spend(context: Context, bytes: number): void {
  context.budget -= bytes;
}

/** The whole remaining payload (not MIME): Windows blocks, a classified text, or binary. */
function leafParts(bytes: Buffer, context: Context): { parts: UserDataPart[]; windows?: WindowsUserDataSettings } {
  const decoded = decodeText(bytes);
  if (!decoded) return { parts: [binaryPart(bytes, 'application/octet-stream', [], context, '')] };
  if (decoded.charset === 'utf-16le' || decoded.charset === 'utf-16be') {
    context.warnings.push(
      `The text is ${decoded.charset.toUpperCase()} (typical of Notepad or PowerShell redirection). cloud-init ` +
        'reads UTF-8 only and ignores it; EC2Launch expects UTF-8 as well. Save it as UTF-8.',
    );
  } else if (decoded.charset === 'latin1') {
    context.warnings.push('The text is not valid UTF-8; shown as Latin-1. Save it as UTF-8.');
  }
  if (decoded.bom && decoded.charset === 'utf-8') context.warnings.push(UTF8_BOM_WARNING);

  const classification = classifyText(decoded.text);
  if (!classification.recognised && classification.contentType === 'text/plain') {
    const windows = parseWindowsUserData(decoded.text);
    if (windows && windows.blocks.length > 0) {
      context.warnings.push(...windows.warnings);
      const parts = windows.blocks.map((block): UserDataPart => {
        const powershell = block.tag === 'powershell';
        return {
          contentType: powershell ? 'text/x-windows-powershell' : 'text/x-windows-script',
          language: powershell ? 'powershell' : 'bat',
          text: block.body,
          bytes: Buffer.from(block.body, 'utf8'),
          binary: false,
          encodings: [],
          kind: `<${block.tag}> block`,
        };
      });
      return { parts, windows: windows.settings };
    }
  }
  context.warnings.push(...lintText(decoded.text, classification));
  return { parts: [textPart(decoded.text, bytes, classification, [])] };
}

/** One MIME leaf: undo gzip if it declares or carries it, then classify by type and content. */
function partFromEntity(entity: MimeEntity, index: number, total: number, context: Context): UserDataPart {
  const label = `part ${index + 1}${entity.filename ? ` (${entity.filename})` : ''}`;
  const encodings = entity.transferEncoding === 'base64' || entity.transferEncoding === 'quoted-printable' ? [entity.transferEncoding] : [];
  let bytes = entity.body;
  let contentType = entity.contentType;
  spend(context, bytes.length);

  if (isGzipMagic(bytes)) {
    const result = gunzipCapped(bytes, layerCap(context));
    if (!result.ok) {
      context.warnings.push(`${label}: ${result.error}`);
      return withFilename(binaryPart(bytes, contentType, encodings, context), entity.filename);
    }
    context.warnings.push(...result.warnings.map((warning) => `${label}: ${warning}`));
    spend(context, result.bytes.length);
    bytes = result.bytes;
    encodings.push('gzip');
    // cloud-init decompresses gzip types and then routes the content by how it starts.
    if (/gzip|compress/.test(contentType)) contentType = 'text/x-not-multipart';
  }

  const decoded = decodeText(bytes, entity.params.charset);
  if (!decoded) return withFilename(binaryPart(bytes, contentType, encodings, context, total > 1 ? label : ''), entity.filename);
  const classification = classifyPart(contentType, decoded.text);
  const prefix = total > 1 ? `${label}: ` : '';
  context.warnings.push(...lintText(decoded.text, classification).map((warning) => prefix + warning));
  if (!classification.recognised && classification.contentType !== 'text/plain' && !/^(text\/plain|text\/x-not-multipart)$/.test(contentType)) {
    context.warnings.push(`${prefix}cloud-init has no handler for ${contentType}; it will skip ${total > 1 ? 'this part' : 'it'}.`);
  }
  return withFilename(textPart(decoded.text, bytes, classification, encodings), entity.filename);
}

function withFilename(part: UserDataPart, filename: string | undefined): UserDataPart {
  return filename ? { ...part, filename } : part;
}

function textPart(text: string, bytes: Buffer, classification: Classification, encodings: string[]): UserDataPart {
  return {
    contentType: classification.contentType,
    language: classification.language,
    text,
    bytes,
    binary: false,
    encodings,
    kind: classification.kind,
  };
}

function binaryPart(bytes: Buffer, contentType: string, encodings: string[], context: Context, label?: string): UserDataPart {
  const sniffed = sniffBinary(bytes);
  if (label !== undefined) {
    const where = label ? `${label}: ` : '';
    context.warnings.push(
      sniffed.compressed
        ? `${where}The data is ${sniffed.label}: cloud-init only decompresses gzip, so it cannot use this.`
        : `${where}The data is ${sniffed.label}, not text or gzip: cloud-init has no handler for it and skips it.`,
    );
  }
  return {
    contentType,
    language: 'plaintext',
    text: hexDumpSummary(bytes, context.limits.hexDumpBytes),
    bytes,
    binary: true,
    encodings,
    kind: `${sniffed.label} (${formatBytes(bytes.length)})`,
  };
}

/** The bytes a failed layer could not decode: text when they read as text, else a hex dump. */
function rawPart(bytes: Buffer, context: Context): UserDataPart {
  const decoded = decodeText(bytes);
  if (!decoded) return binaryPart(bytes, 'application/octet-stream', [], context);
  return textPart(decoded.text, bytes, { contentType: 'text/plain', language: 'plaintext', kind: 'raw text', recognised: false }, []);
}

function summarise(
  layers: UserDataLayer[],
  parts: UserDataPart[],
  windows: WindowsUserDataSettings | undefined,
  failedLayer: UserDataLayer | undefined,
): string {
  const steps: string[] = layers.filter((layer) => layer !== 'mime').map((layer) => layer);
  if (failedLayer) {
    steps.push(failedLayer === 'base64' ? 'invalid base64' : failedLayer === 'gzip' ? 'gzip error' : 'malformed MIME');
    return steps.join(' → ');
  }
  if (layers.includes('mime')) {
    steps.push(`MIME, ${parts.length} ${parts.length === 1 ? 'part' : 'parts'}`);
  } else if (windows) {
    const tags = parts.map((part) => part.kind.replace(' block', '')).join(' + ');
    steps.push(`Windows ${tags}${windows.persist ? ' (persist)' : ''}`);
  } else if (parts.length === 1) {
    steps.push(parts[0].kind);
  }
  return steps.join(' → ');
}
