// How a metadata value is shown: which kind it is (for the icon), the short description a tree
// row can hold, and the text and language of its read-only document. Secrets are masked here,
// in the one place every view of a value passes through. No vscode import.
import { lookupCategory } from '../imds/catalog';
import { categoryPath } from '../imds/paths';
import { SECRET_MASK, isSecretPath, isSecretValue, maskSecrets } from '../imds/secrets';
import { isUtf8 } from '../imds/snapshot';

export type ValueStyle = 'text' | 'multiline' | 'json' | 'secret' | 'base64' | 'userData' | 'binary';

/** Secret fields of credential documents (the same the masker hides). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['SecretAccessKey', 'Token', 'SessionToken']);

/** vscode.l10n.t in the extension; a plain `{0}` formatter in unit tests (this file has no vscode import). */
export type Translate = (message: string, ...args: (string | number)[]) => string;

export const formatPlain: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (all, i: string) => (args[Number(i)] === undefined ? all : String(args[Number(i)])));

/** `{ 7 fields }` / `[ 3 items ]`: the summary of a JSON object or array. */
export function jsonSummary(doc: object, t: Translate = formatPlain): string {
  if (Array.isArray(doc)) return `[ ${doc.length === 1 ? t('1 item') : t('{0} items', doc.length)} ]`;
  const n = Object.keys(doc).length;
  return `{ ${n === 1 ? t('1 field') : t('{0} fields', n)} }`;
}

/** Longest value a tree row shows as its description. */
const DESCRIPTION_MAX = 64;

export function isUserDataPath(path: string): boolean {
  return categoryPath(path) === 'user-data';
}

/** Parses JSON objects and arrays only: `"42"` or `true` are values, not documents. */
export function parseJsonDocument(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

export function valueStyle(path: string, body?: Buffer): ValueStyle {
  if (isUserDataPath(path)) return 'userData';
  if (isSecretPath(path)) return 'secret';
  if (body !== undefined && !isUtf8(body)) return 'binary';
  // By content too: a credential document served at any other path is just as secret.
  if (body !== undefined && isSecretValue(path, body.toString('utf8'))) return 'secret';
  const info = lookupCategory(path);
  if (info?.json) return 'json';
  if (info?.base64) return 'base64';
  const text = body?.toString('utf8');
  if (text !== undefined && parseJsonDocument(text) !== undefined) return 'json';
  if (info?.multiline || (text !== undefined && text.trim().includes('\n'))) return 'multiline';
  return 'text';
}

/** The value's text as it may be shown: secrets masked unless the person revealed them. */
export function visibleText(path: string, text: string, revealed: boolean): string {
  return revealed ? text : maskSecrets(path, text);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function shorten(text: string, max = DESCRIPTION_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What kind of user-data it is, from its first line (the decoder in src/userdata goes further). */
export function userDataKind(body: Buffer): string {
  if (body.length === 0) return 'empty';
  if (!isUtf8(body)) return body[0] === 0x1f && body[1] === 0x8b ? 'gzip' : 'binary';
  const first = body.toString('utf8', 0, Math.min(body.length, 200)).trimStart().split('\n', 1)[0].trim();
  if (first.startsWith('#cloud-config')) return 'cloud-config';
  if (first.startsWith('#!')) return 'script';
  if (/^content-type:\s*multipart\//i.test(first) || /^mime-version:/i.test(first)) return 'MIME';
  if (/^<powershell>/i.test(first)) return 'PowerShell';
  if (/^<script>/i.test(first)) return 'batch script';
  if (/^[A-Za-z0-9+/=\s]+$/.test(body.toString('utf8')) && body.length >= 16) return 'base64?';
  return 'text';
}

/**
 * The short description of a value row: the value itself when it is one short line, else a
 * summary (`{ 7 fields }`, `3 lines`, `cloud-config · 172 B`). Never a secret.
 */
export function describeValue(path: string, body: Buffer, revealed: boolean, t: Translate = formatPlain): string {
  const style = valueStyle(path, body);
  const text = body.toString('utf8');
  switch (style) {
    case 'userData':
      return `${userDataKind(body)} · ${formatBytes(body.length)}`;
    case 'binary':
      return t('binary · {0}', formatBytes(body.length));
    case 'secret': {
      if (revealed) return t('revealed');
      const doc = parseJsonDocument(text);
      const code = doc && typeof doc === 'object' && 'Code' in doc ? String((doc as Record<string, unknown>).Code) : undefined;
      return code ? t('{0} · secrets hidden', code) : t('secrets hidden');
    }
    case 'json': {
      const doc = parseJsonDocument(text);
      if (doc !== null && typeof doc === 'object') return jsonSummary(doc, t);
      return shorten(text.trim());
    }
    case 'base64':
      return `base64 · ${formatBytes(body.length)}`;
    default: {
      const lines = text.replace(/\n+$/, '').split('\n');
      if (lines.length > 1) return t('{0} (+{1} more)', shorten(lines[0], 40), lines.length - 1);
      return shorten(lines[0]);
    }
  }
}

export interface DocumentText {
  text: string;
  /** VS Code language id. */
  language: string;
}

/** Language of user-data by what it starts with, for the raw document. */
function userDataLanguage(text: string): string {
  const first = text.trimStart().split('\n', 1)[0];
  if (first.startsWith('#cloud-config')) return 'yaml';
  if (/^#!.*\b(ba|z|da|k)?sh\b/.test(first)) return 'shellscript';
  if (/^#!.*python/.test(first)) return 'python';
  if (/^<powershell>/i.test(first)) return 'powershell';
  return 'plaintext';
}

/** The read-only document of a value: JSON pretty-printed, binary shown as base64, secrets masked. */
export function documentText(path: string, body: Buffer, revealed: boolean, t: Translate = formatPlain): DocumentText {
  // A credential body that is not valid UTF-8 is still masked: its base64 would carry the secrets.
  if (!isUtf8(body) && (revealed || !isSecretPath(path))) {
    const base64 = body.toString('base64').replace(/.{1,76}/g, '$&\n');
    return { text: `# ${t('{0} of binary data ({1}), shown as base64:', formatBytes(body.length), userDataKind(body))}\n${base64}`, language: 'plaintext' };
  }
  const text = visibleText(path, body.toString('utf8'), revealed);
  const doc = parseJsonDocument(text);
  if (doc !== undefined) return { text: `${JSON.stringify(doc, null, 2)}\n`, language: 'json' };
  if (isUserDataPath(path)) return { text, language: userDataLanguage(text) };
  return { text, language: 'plaintext' };
}

/** A JSON field that must stay hidden unless revealed: a secret field name, at any path. */
export function isSecretField(_path: string, key: string): boolean {
  return SECRET_FIELDS.has(key);
}

export { SECRET_MASK };
