// Reading what the snapshot script printed: the marker line, the parts of a long document and
// their checksum, then the gzip'd records inside. Every way this can go wrong says what happened,
// because a silently short snapshot would be worse than none.

import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DOCUMENT_FORMAT, END_MARKER, MARKER } from './script';

export class DocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentError';
  }
}

export interface Checksum {
  algorithm: 'sha256' | 'cksum';
  value: string;
}

export interface DocumentPart {
  part: number;
  parts: number;
  id: string;
  /** Length of the whole document (first part only). */
  total?: number;
  checksum?: Checksum;
  text: string;
}

/** What an invocation's stdout looks like when the service cut it (amazon-ssm-agent suffix). */
export const TRUNCATED_SUFFIX = '--output truncated--';

function preview(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean || '(nothing)';
}

/** Finds and checks one part in an invocation's StandardOutputContent. */
export function parseDocumentPart(stdout: string): DocumentPart {
  const lines = stdout.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${MARKER} `));
  if (start < 0) {
    throw new DocumentError(`The command printed no snapshot document (no "${MARKER}" line). Its output began: ${preview(stdout)}`);
  }
  const fields = lines[start].trim().split(/\s+/);
  const format = Number(fields[1]);
  if (format !== DOCUMENT_FORMAT) {
    throw new DocumentError(`The snapshot document has format ${fields[1]}; this version reads format ${DOCUMENT_FORMAT}. Update the extension or the script.`);
  }
  const values = new Map<string, string>();
  for (const field of fields.slice(2)) {
    const eq = field.indexOf('=');
    if (eq > 0) values.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const partMatch = /^(\d+)\/(\d+)$/.exec(values.get('part') ?? '');
  const id = values.get('id') ?? '';
  if (!partMatch || !/^[0-9a-f]{8,32}$/.test(id)) throw new DocumentError(`The snapshot marker line is damaged: ${preview(lines[start])}`);
  const end = lines.indexOf(END_MARKER, start + 1);
  if (end < 0) {
    const cut = stdout.endsWith(TRUNCATED_SUFFIX) ? ' SSM cut the output at its 24,000-character limit' : ' the output ends early';
    throw new DocumentError(`The snapshot document has no "${END_MARKER}" line:${cut}. Nothing was read from a partial document.`);
  }
  const text = lines.slice(start + 1, end).join('').trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new DocumentError('The snapshot document holds characters that are not base64.');
  const part: DocumentPart = { part: Number(partMatch[1]), parts: Number(partMatch[2]), id, text };
  if (values.has('total')) part.total = Number(values.get('total'));
  if (values.has('sha256')) part.checksum = { algorithm: 'sha256', value: values.get('sha256')! };
  else if (values.has('cksum')) part.checksum = { algorithm: 'cksum', value: values.get('cksum')! };
  if (part.part < 1 || part.part > part.parts) throw new DocumentError(`The snapshot marker says part ${part.part} of ${part.parts}.`);
  return part;
}

let crcTable: Uint32Array | undefined;

/** POSIX `cksum` (CRC-32, polynomial 0x04C11DB7, length appended): the fallback when sha256 is missing. */
export function posixCksum(data: Buffer): string {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0;
  const step = (byte: number) => {
    crc = ((crc << 8) ^ crcTable![((crc >>> 24) ^ byte) & 0xff]) >>> 0;
  };
  for (const byte of data) step(byte);
  for (let length = data.length; length > 0; length = Math.floor(length / 256)) step(length & 0xff);
  return String(~crc >>> 0);
}

function checksumOf(text: string, algorithm: Checksum['algorithm']): string {
  const bytes = Buffer.from(text, 'ascii');
  return algorithm === 'sha256' ? createHash('sha256').update(bytes).digest('hex') : posixCksum(bytes);
}

/** Joins the parts of one document in order and checks count, length and checksum against part 1. */
export function assembleDocument(parts: DocumentPart[]): string {
  const first = parts.find((p) => p.part === 1);
  if (!first) throw new DocumentError('Part 1 of the snapshot document is missing.');
  const ordered: DocumentPart[] = [];
  for (let n = 1; n <= first.parts; n++) {
    const part = parts.find((p) => p.part === n);
    if (!part) throw new DocumentError(`Part ${n} of ${first.parts} of the snapshot document is missing.`);
    if (part.id !== first.id || part.parts !== first.parts) {
      throw new DocumentError(`Part ${n} belongs to another document (${part.id}, ${part.parts} parts) than part 1 (${first.id}, ${first.parts} parts).`);
    }
    ordered.push(part);
  }
  const text = ordered.map((p) => p.text).join('');
  if (first.total !== undefined && text.length !== first.total) {
    throw new DocumentError(`The snapshot document is ${text.length} characters long, but the instance wrote ${first.total}: a part was cut or lost.`);
  }
  if (first.checksum && checksumOf(text, first.checksum.algorithm) !== first.checksum.value) {
    throw new DocumentError(`The snapshot document fails its ${first.checksum.algorithm} check: the parts do not form the document the instance wrote.`);
  }
  return text;
}

export interface WalkRecord {
  path: string;
  /** HTTP status, 0 when no answer came. */
  status: number;
  attempts: number;
  body?: Buffer;
  /** Why no answer came (`timeout:5000`, `unreachable:ECONNREFUSED`, `token-timeout` ...). */
  failure?: string;
}

export interface Walk {
  /** Endpoint the walker used on the instance. */
  endpoint: string;
  root: string;
  tool: string;
  mode: 'v2' | 'v1' | 'unknown';
  requests: number;
  tokenRequests: number;
  elapsedMs: number;
  records: Map<string, WalkRecord>;
  /** Set when the walker stopped at one of its bounds (depth, entries, time) and where. */
  stopped?: { bound: 'depth' | 'entries' | 'time'; at: string };
}

function keyValues(line: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const field of line.split(' ').slice(1)) {
    const eq = field.indexOf('=');
    if (eq > 0) values.set(field.slice(0, eq), field.slice(eq + 1));
  }
  return values;
}

/** Decodes base64 + gzip and parses the records. */
export function decodeDocument(text: string): Walk {
  let raw: string;
  try {
    raw = gunzipSync(Buffer.from(text, 'base64'), { maxOutputLength: 256 * 1024 * 1024 }).toString('utf8');
  } catch (error) {
    throw new DocumentError(`The snapshot document is not valid gzip data (${(error as Error).message}).`);
  }
  const lines = raw.split('\n');
  if (lines[0] !== 'IMDSX-RECORDS 1') throw new DocumentError(`The snapshot records start with "${preview(lines[0])}", not "IMDSX-RECORDS 1".`);
  const walk: Walk = { endpoint: '', root: '', tool: '', mode: 'unknown', requests: 0, tokenRequests: 0, elapsedMs: 0, records: new Map() };
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('P ')) {
      const values = keyValues(line);
      walk.endpoint = values.get('endpoint') ?? '';
      walk.root = values.get('root') ?? '';
    } else if (line.startsWith('M ')) {
      const values = keyValues(line);
      walk.tool = values.get('tool') ?? '';
      const mode = values.get('mode');
      walk.mode = mode === 'v2' || mode === 'v1' ? mode : 'unknown';
      walk.requests = Number(values.get('requests') ?? 0) || 0;
      walk.tokenRequests = Number(values.get('token_requests') ?? 0) || 0;
      walk.elapsedMs = Number(values.get('elapsed_ms') ?? 0) || 0;
      const bound = values.get('stopped');
      if (bound === 'depth' || bound === 'entries' || bound === 'time') {
        walk.stopped = { bound, at: Buffer.from(values.get('stopped_at') ?? '', 'base64').toString('utf8') || walk.root };
      }
    } else if (line.startsWith('R ')) {
      // R <status> <attempts> <payload> <path>; the path is the rest of the line.
      const match = /^R (\d+) (\d+) (\S+) (\/.*)$/.exec(line);
      if (!match) throw new DocumentError(`A snapshot record is damaged: ${preview(line)}`);
      const [, status, attempts, payload, path] = match;
      const record: WalkRecord = { path, status: Number(status), attempts: Number(attempts) };
      if (payload.startsWith('b:')) record.body = Buffer.from(payload.slice(2), 'base64');
      else if (payload.startsWith('e:')) record.failure = Buffer.from(payload.slice(2), 'base64').toString('utf8');
      walk.records.set(path, record);
    }
  }
  return walk;
}
