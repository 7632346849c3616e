// Secret handling: IAM credentials served by IMDS carry SecretAccessKey and Token. They are masked
// wherever a value is shown or saved unless the person asked for them, and never logged.

import { categoryPath } from './paths';

/** What a masked secret looks like; fixed length so nothing about the secret leaks. */
export const SECRET_MASK = '****************';

const SECRET_FIELDS = ['SecretAccessKey', 'Token', 'SessionToken'];

/**
 * Credential documents: the role's keys and the instance identity credentials, also when asked
 * with a trailing slash (`security-credentials/my-role/`), which the service answers the same.
 */
export function isSecretPath(path: string): boolean {
  const p = categoryPath(path.trim());
  return (
    /^meta-data\/iam\/security-credentials\/[^/]+\/?$/.test(p) ||
    /^meta-data\/identity-credentials\/ec2\/security-credentials\/[^/]+\/?$/.test(p) ||
    p === 'api/token'
  );
}

export interface MaskResult {
  text: string;
  /** True when something was replaced. */
  masked: boolean;
}

const FIELD_PATTERN = new RegExp(`("(?:${SECRET_FIELDS.join('|')})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g');

/**
 * Masks secret fields of a credential document, keeping the rest (and the service's formatting)
 * as it is. A body on a secret path that is not JSON is hidden whole: it cannot be told safe.
 */
export function maskSecretsDetailed(path: string, text: string): MaskResult {
  if (!isSecretPath(path)) return { text, masked: false };
  if (categoryPath(path.trim()) === 'api/token') return { text: text === '' ? text : SECRET_MASK, masked: text !== '' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.trim() === '' ? { text, masked: false } : { text: `${SECRET_MASK} (credential body hidden: not JSON)`, masked: true };
  }
  if (parsed === null || typeof parsed !== 'object') return { text, masked: false };
  let masked = false;
  const out = text.replace(FIELD_PATTERN, (_all, prefix: string) => {
    masked = true;
    return `${prefix}"${SECRET_MASK}"`;
  });
  // Unusual spellings the pattern missed (escaped keys, non-string values): rebuild from the parse.
  const record = parsed as Record<string, unknown>;
  const leftover = SECRET_FIELDS.some((field) => field in record && typeof record[field] === 'string' && record[field] !== SECRET_MASK && out.includes(record[field] as string));
  if (leftover || SECRET_FIELDS.some((field) => field in record && typeof record[field] !== 'string')) {
    const copy: Record<string, unknown> = { ...record };
    for (const field of SECRET_FIELDS) if (field in copy) copy[field] = SECRET_MASK;
    return { text: JSON.stringify(copy, null, 2), masked: true };
  }
  return { text: out, masked };
}

/** Masks SecretAccessKey and Token in a credential document; other paths pass through. */
export function maskSecrets(path: string, text: string): string {
  return maskSecretsDetailed(path, text).text;
}

/**
 * Redacts anything secret-looking from free text bound for a log: credential JSON fields, the
 * IMDSv2 token header, AWS secret/session environment variables, and any exact strings given.
 */
export function redactForLog(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 8) out = out.split(secret).join(SECRET_MASK);
  }
  out = out.replace(FIELD_PATTERN, (_all, prefix: string) => `${prefix}"${SECRET_MASK}"`);
  out = out.replace(/(x-aws-ec2-metadata-token\s*[:=]\s*)("?)[^\s"',;]+/gi, (_all, prefix: string, quote: string) => `${prefix}${quote}${SECRET_MASK}`);
  out = out.replace(/((?:AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws_secret_access_key|aws_session_token)\s*[:=]\s*)("?)[^\s"',;]+/g, (_all, prefix: string, quote: string) => `${prefix}${quote}${SECRET_MASK}`);
  return out;
}
