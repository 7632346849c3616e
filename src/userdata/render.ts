// Decoded user-data as text documents for a read-only editor: one document with a section per
// part, and one document per part. Headers are comments in the document's own language so that
// highlighting still works.

import { formatCount } from './format';
import { formatSizeCheck } from './size';
import type { DecodedUserData, UserDataLanguage, UserDataPart, UserDataSizeCheck } from './types';

/** `jsonc` appears only for JSON documents that carry our `//` header comments. */
export type RenderedLanguage = UserDataLanguage | 'jsonc';

export interface RenderedUserDataDocument {
  /** Suggested document name, e.g. `user-data`, `setup.sh`, `part-2.yaml`. */
  title: string;
  language: RenderedLanguage;
  text: string;
}

export interface RenderedUserData {
  /** Everything in one document: summary, size, warnings, then each part under its header. */
  combined: RenderedUserDataDocument;
  /** One document per part, each with a short header and the part's text. */
  parts: RenderedUserDataDocument[];
}

export interface RenderOptions {
  /** Name of the combined document, default `user-data`. */
  title?: string;
  /** Header comments at the top of each per-part document (default true). */
  partHeaders?: boolean;
}

const EXTENSIONS: Record<UserDataLanguage, string> = {
  shellscript: '.sh',
  yaml: '.yaml',
  powershell: '.ps1',
  json: '.json',
  plaintext: '.txt',
  bat: '.cmd',
  python: '.py',
};

export function renderDecodedDocument(
  decoded: DecodedUserData,
  size?: UserDataSizeCheck,
  options: RenderOptions = {},
): RenderedUserData {
  const title = options.title ?? 'user-data';
  const languages = new Set(decoded.parts.map((part) => part.language));
  const base: UserDataLanguage = languages.size === 1 ? [...languages][0] : 'plaintext';
  const { language, comment } = commentStyle(base);

  const lines: string[] = [`${title}: ${decoded.summary}`];
  if (size) lines.push(...formatSizeCheck(size, 'size').split('\n'));
  if (decoded.windows) lines.push(windowsLine(decoded.windows));
  if (decoded.error) lines.push(`error: ${decoded.error}`);
  for (const warning of decoded.warnings) lines.push(`warning: ${warning}`);

  let text = lines.map((line) => `${comment} ${line}`).join('\n') + '\n';
  if (decoded.parts.length === 0) text += `${comment} (no content)\n`;
  decoded.parts.forEach((part, index) => {
    text += `${comment}\n${comment} ${partHeading(part, index, decoded.parts.length)}\n`;
    text += withFinalNewline(part.text);
  });

  const parts = decoded.parts.map((part, index) => renderPart(part, index, decoded, options.partHeaders !== false));
  return { combined: { title, language, text }, parts };
}

/** `── part 2/3: text/cloud-config (config.yaml) ──` */
export function partHeading(part: UserDataPart, index: number, total: number): string {
  const filename = part.filename ? ` (${part.filename})` : '';
  return `── part ${index + 1}/${total}: ${part.contentType}${filename} ──`;
}

/** Name for a part's own document: its filename, or `part-N` with an extension for its language. */
export function partTitle(part: UserDataPart, index: number): string {
  return part.filename ?? `part-${index + 1}${EXTENSIONS[part.language]}`;
}

function renderPart(part: UserDataPart, index: number, decoded: DecodedUserData, headers: boolean): RenderedUserDataDocument {
  const { language, comment } = commentStyle(part.language);
  let text = '';
  if (headers) {
    const details = [part.kind, `${formatCount(part.bytes.length)} bytes`];
    if (part.encodings.length > 0) details.push(`decoded from ${part.encodings.join(' → ')}`);
    text += `${comment} ${partHeading(part, index, decoded.parts.length)}\n${comment} ${details.join(', ')}\n`;
  }
  text += headers ? withFinalNewline(part.text) : part.text;
  return { title: partTitle(part, index), language, text };
}

/** The line comment of each language; JSON gets `jsonc` so `//` comments are legal. */
function commentStyle(language: UserDataLanguage): { language: RenderedLanguage; comment: string } {
  switch (language) {
    case 'json':
      return { language: 'jsonc', comment: '//' };
    case 'bat':
      return { language: 'bat', comment: 'REM' };
    default:
      return { language, comment: '#' };
  }
}

function windowsLine(settings: NonNullable<DecodedUserData['windows']>): string {
  const parts = [`persist=${settings.persist}`];
  if (settings.runAsLocalSystem !== undefined) parts.push(`runAsLocalSystem=${settings.runAsLocalSystem}`);
  if (settings.powershellArguments !== undefined) parts.push(`powershellArguments="${settings.powershellArguments}"`);
  return `EC2Launch settings: ${parts.join(', ')}`;
}

function withFinalNewline(text: string): string {
  return text.endsWith('\n') || text.length === 0 ? text : `${text}\n`;
}
