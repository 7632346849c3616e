// Server-side SigV4 check for the local SSM endpoint: recomputes the signature the way AWS does,
// so a client that signs with the wrong secret, region or service fails here as it would there.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match = header ? AUTH_PATTERN.exec(header.trim()) : null;
  if (!match) return undefined;
  return {
    accessKeyId: match[1],
    date: match[2],
    region: match[3],
    service: match[4],
    signedHeaders: match[5].split(';'),
    signature: match[6],
  };
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

/** True when `auth.signature` is the SigV4 signature of this POST / request under `secretAccessKey`. */
export function verifySignature(
  auth: ParsedAuthorization,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  secretAccessKey: string,
): boolean {
  const amzDate = headerValue(headers, 'x-amz-date');
  const [rawPath, rawQuery = ''] = path.split('?');
  const canonicalQuery = rawQuery
    .split('&')
    .filter(Boolean)
    .sort()
    .join('&');
  const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${headerValue(headers, name)}\n`).join('');
  const payloadHash = headerValue(headers, 'x-amz-content-sha256') || sha256Hex(body);
  const canonicalRequest = [
    method,
    rawPath || '/',
    canonicalQuery,
    canonicalHeaders,
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, auth.date);
  const kRegion = hmac(kDate, auth.region);
  const kService = hmac(kRegion, auth.service);
  const kSigning = hmac(kService, 'aws4_request');
  const expected = Buffer.from(createHmac('sha256', kSigning).update(stringToSign).digest('hex'));
  const given = Buffer.from(auth.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
