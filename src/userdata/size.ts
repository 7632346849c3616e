// The 16 KB user-data check: EC2 limits user data to 16,384 bytes in raw form, before the base64
// encoding that the RunInstances call carries. Runs on any bytes (IMDS answer or workspace file).

import * as zlib from 'node:zlib';
import { formatBytes, formatCount, formatPercent } from './format';
import { isGzipMagic } from './gzip';
import type { SizeLevel, UserDataSizeCheck } from './types';

export const USER_DATA_LIMIT_BYTES = 16384;
/** Warn from this share of the limit on: a few more lines and the launch fails. */
export const USER_DATA_WARN_RATIO = 0.9;
/** Files larger than this are not gzip-tested: they could never fit, and it would take a while. */
const MAX_GZIP_TRIAL_BYTES = 64 * 1024 * 1024;

/** Length of the base64 text for `rawBytes` bytes: `ceil(n/3)*4`. */
export function base64Length(rawBytes: number): number {
  return Math.ceil(rawBytes / 3) * 4;
}

export function checkUserDataSize(bytes: Buffer): UserDataSizeCheck {
  const rawBytes = bytes.length;
  const limit = USER_DATA_LIMIT_BYTES;
  const percent = (rawBytes / limit) * 100;
  const level: SizeLevel = rawBytes > limit ? 'over' : rawBytes >= limit * USER_DATA_WARN_RATIO ? 'warn' : 'ok';
  const alreadyGzip = isGzipMagic(bytes);
  const check: UserDataSizeCheck = {
    rawBytes,
    limit,
    base64Length: base64Length(rawBytes),
    remaining: limit - rawBytes,
    percent,
    level,
    alreadyGzip,
    message: '',
  };
  if (!alreadyGzip && rawBytes > 0 && rawBytes <= MAX_GZIP_TRIAL_BYTES) {
    check.gzipBytes = zlib.gzipSync(bytes, { level: 9 }).length;
    check.gzipWouldFit = check.gzipBytes <= limit;
  }
  check.message = sizeLine(check);
  return check;
}

/** `12,345 of 16,384 bytes (75.3%), 4,039 bytes left`. */
function sizeLine(check: UserDataSizeCheck): string {
  const head = `${formatCount(check.rawBytes)} of ${formatCount(check.limit)} bytes (${formatPercent(check.percent)})`;
  switch (check.level) {
    case 'ok':
      return `${head}, ${formatBytes(check.remaining)} left`;
    case 'warn':
      return check.remaining === 0 ? `${head}, exactly at the limit` : `${head}, only ${formatBytes(check.remaining)} left`;
    case 'over':
      return `${head}, ${formatBytes(-check.remaining)} over the limit: EC2 rejects it`;
  }
}

/** The gzip advice, when there is any to give. */
export function gzipSuggestion(check: UserDataSizeCheck): string | undefined {
  if (check.alreadyGzip) return check.level === 'over' ? 'It is already gzip-compressed: split it or fetch the rest from S3 at boot.' : undefined;
  if (check.gzipBytes === undefined || check.level === 'ok') return undefined;
  const ratio = formatPercent((check.gzipBytes / Math.max(1, check.rawBytes)) * 100);
  if (check.gzipWouldFit) {
    return (
      `gzip -9 shrinks it to ${formatCount(check.gzipBytes)} bytes (${ratio} of the original), which fits: ` +
      'cloud-init decompresses gzip user-data. Pass the .gz file as binary (e.g. fileb://) so it is not altered.'
    );
  }
  return `Even gzip -9 leaves ${formatCount(check.gzipBytes)} bytes, over the limit: move the bulk to S3 and fetch it at boot.`;
}

/** Multi-line report for a notification or the top of a document. */
export function formatSizeCheck(check: UserDataSizeCheck, subject = 'User-data'): string {
  const lines = [
    `${subject}: ${check.message}.`,
    `Base64 in the API call: ${formatCount(check.base64Length)} characters.`,
  ];
  if (check.alreadyGzip) lines.push('Already gzip-compressed.');
  else if (check.gzipBytes !== undefined) {
    lines.push(`gzip -9: ${formatCount(check.gzipBytes)} bytes${check.gzipWouldFit ? ' (fits)' : ' (does not fit)'}.`);
  }
  const suggestion = gzipSuggestion(check);
  if (suggestion) lines.push(suggestion);
  return lines.join('\n');
}

/** Short form for a status bar: `user-data 12,345/16,384 B (75.3%)`. */
export function formatSizeStatus(check: UserDataSizeCheck): string {
  return `user-data ${formatCount(check.rawBytes)}/${formatCount(check.limit)} B (${formatPercent(check.percent)})`;
}
