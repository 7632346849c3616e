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
 * Any other path is masked by content: a server may list the role as a directory
 * (`security-credentials/role/doc`), so a JSON body with SecretAccessKey, Token or SessionToken
 * anywhere in its tree is masked wherever it was found.
 */
export function maskSecretsDetailed(path: string, text: string): MaskResult {
  if (!isSecretPath(path)) return maskByContent(text);
  if (categoryPath(path.trim()) === 'api/token') return { text: text === '' ? text : SECRET_MASK, masked: text !== '' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.trim() === '' ? { text, masked: false } : { text: `${SECRET_MASK} (credential body hidden: not JSON)`, masked: true };
  }
  if (parsed === null || typeof parsed !== 'object') return { text, masked: false };
  return maskParsed(text, parsed);
}

/** True when the text may carry a secret field: its name, or a JSON escape that could spell one. */
export function mayHoldSecrets(text: string): boolean {
  return SECRET_FIELDS.some((field) => text.includes(field)) || (text.includes('\\u') && /^\s*[[{]/.test(text));
}

function maskByContent(text: string): MaskResult {
  if (!mayHoldSecrets(text)) return { text, masked: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (a log, a script): mask what looks like a field, keep the rest readable.
    let masked = false;
    const out = text.replace(FIELD_PATTERN, (_all, prefix: string) => {
      masked = true;
      return `${prefix}"${SECRET_MASK}"`;
    });
    return { text: out, masked };
  }
  if (parsed === null || typeof parsed !== 'object') return { text, masked: false };
  return maskParsed(text, parsed);
}

/** Secret values found anywhere in a parsed JSON tree (iterative: the tree may be deep). */
function secretValues(root: object): { values: string[]; nonString: boolean } {
  const values: string[] = [];
  let nonString = false;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const [key, value] of Object.entries(node)) {
      if (SECRET_FIELDS.includes(key) && !Array.isArray(node)) {
        if (typeof value === 'string') values.push(value);
        else nonString = true;
      }
      if (typeof value === 'object' && value !== null) stack.push(value);
    }
  }
  return { values, nonString };
}

/** A copy of a parsed JSON tree with every secret field masked (iterative). */
function maskTree(root: unknown): unknown {
  const copy = (node: unknown): unknown => (Array.isArray(node) ? [...node] : node !== null && typeof node === 'object' ? { ...node } : node);
  const top = copy(root);
  const stack: unknown[] = [top];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown> | unknown[];
    for (const key of Object.keys(node)) {
      const record = node as Record<string, unknown>;
      if (!Array.isArray(node) && SECRET_FIELDS.includes(key)) {
        record[key] = SECRET_MASK;
        continue;
      }
      const child = record[key];
      if (child !== null && typeof child === 'object') {
        record[key] = copy(child);
        stack.push(record[key]);
      }
    }
  }
  return top;
}

function maskParsed(text: string, parsed: object): MaskResult {
  const found = secretValues(parsed);
  if (found.values.length === 0 && !found.nonString) return { text, masked: false };
  let masked = false;
  const out = text.replace(FIELD_PATTERN, (_all, prefix: string) => {
    masked = true;
    return `${prefix}"${SECRET_MASK}"`;
  });
  // Unusual spellings the pattern missed (escaped keys, non-string values): rebuild from the parse.
  const leftover = found.values.some((value) => value !== SECRET_MASK && value !== '' && out.includes(value));
  if (leftover || found.nonString) return { text: JSON.stringify(maskTree(parsed), null, 2), masked: true };
  return { text: out, masked };
}

/** True when a value is secret: a credential path, or a body that carries a secret field anywhere. */
export function isSecretValue(path: string, text: string): boolean {
  return isSecretPath(path) || maskByContent(text).masked;
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
