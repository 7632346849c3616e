// IMDS path helpers: normalising what people type, joining, versions, and parsing listings.
// A listing is text/plain, one name per line; directories end in `/`, except where the service
// does not say so (the version root lists `meta-data` and `dynamic` bare) and `public-keys/`,
// which lists `0=my-key` for the directory `public-keys/0/`.

import { malformedError } from './errors';
import type { ListingEntry } from './types';

/** Dated versions the service has published, oldest first; `latest` always exists. */
export const IMDS_VERSIONS: readonly string[] = [
  '1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01',
  '2008-09-01', '2009-04-04', '2011-01-01', '2011-05-01', '2012-01-12', '2014-02-25', '2014-11-05',
  '2015-10-20', '2016-04-19', '2016-06-30', '2016-09-02', '2018-03-28', '2018-08-17', '2018-09-24',
  '2019-10-01', '2020-10-27', '2021-01-03', '2021-03-23', '2021-07-15', '2022-09-24', 'latest',
];

export const DEFAULT_ROOT = '/latest/';
export const TOKEN_PATH = '/latest/api/token';

/** Top-level names under a version root. */
const VERSION_ROOT_DIRS = new Set(['meta-data', 'dynamic']);
const VERSION_ROOT_NAMES = new Set(['meta-data', 'dynamic', 'user-data', 'api']);

/** `latest`, `1.0` or a dated version such as `2021-03-23`. */
export function isVersionSegment(segment: string): boolean {
  return segment === 'latest' || segment === '1.0' || /^\d{4}-\d{2}-\d{2}$/.test(segment);
}

export function isDirectoryPath(path: string): boolean {
  return path.endsWith('/');
}

/** The version segment of an absolute path (`/2021-03-23/meta-data/` → `2021-03-23`), if any. */
export function versionOfPath(path: string): string | undefined {
  const first = path.replace(/^\/+/, '').split('/', 1)[0];
  return isVersionSegment(first) ? first : undefined;
}

/** Replaces (or adds) the version segment: `withVersion('/latest/meta-data/', '2021-03-23')`. */
export function withVersion(path: string, version: string): string {
  const p = normalizePath(path);
  const current = versionOfPath(p);
  if (current === undefined) return p === '/' ? `/${version}/` : `/${version}${p}`;
  return `/${version}${p.slice(current.length + 1)}`;
}

/**
 * Turns what a person types into an absolute IMDS path: `meta-data/ami-id`, `latest/meta-data`,
 * `/latest/meta-data/` or a full `http://169.254.169.254/latest/...` URL. Paths that start with a
 * category (`meta-data`, `dynamic`, `user-data`) get `/latest` in front. Throws on `.`/`..` segments,
 * which IMDS never has and which a URL parser would resolve away from what was asked.
 */
export function normalizePath(input: string): string {
  let p = input.trim();
  const url = /^https?:\/\/[^/]*(\/.*)?$/i.exec(p);
  if (url) p = url[1] ?? '/';
  p = p.replace(/[?#].*$/, '');
  const trailingSlash = p.endsWith('/');
  const segments = p.split('/').filter((s) => s !== '');
  for (const segment of segments) {
    if (segment === '.' || segment === '..') throw new Error(`IMDS path "${input}" has a "${segment}" segment; give the path without it.`);
    if (/[\x00-\x1f\x7f]/.test(segment)) throw new Error(`IMDS path "${input}" contains a control character.`);
    // Checked here, before sending: HTTP cannot carry these in a path, and the HTTP library's
    // refusal would otherwise read like a network failure.
    if (/\s/.test(segment)) throw new Error(`IMDS path ${JSON.stringify(input)} contains a space; IMDS names never do (tag keys with spaces are not served in metadata).`);
    if (/[^\x21-\x7e]/.test(segment)) throw new Error(`IMDS path ${JSON.stringify(input)} contains a non-ASCII character; IMDS paths are plain ASCII.`);
  }
  if (segments.length === 0) return '/';
  if (!isVersionSegment(segments[0]) && VERSION_ROOT_NAMES.has(segments[0])) segments.unshift('latest');
  // A bare version (`latest`) or top-level directory is a directory even when typed without `/`.
  const impliedDir = segments.length === 1 || (segments.length === 2 && VERSION_ROOT_DIRS.has(segments[1]));
  return '/' + segments.join('/') + (trailingSlash || impliedDir ? '/' : '');
}

/** Joins a directory path and a child name (`joinPath('/latest/meta-data/', 'ami-id')`). */
export function joinPath(parent: string, child: string): string {
  const base = parent.endsWith('/') ? parent : parent + '/';
  return base + child.replace(/^\/+/, '');
}

/** Parent directory of a path (`/latest/meta-data/ami-id` → `/latest/meta-data/`); `/` for `/`. */
export function parentPath(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  const cut = trimmed.lastIndexOf('/');
  return cut <= 0 ? '/' : trimmed.slice(0, cut + 1);
}

/** Last segment of a path without its slash (`/latest/meta-data/iam/` → `iam`). */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Path relative to the version root (`/latest/meta-data/ami-id` → `meta-data/ami-id`). */
export function categoryPath(path: string): string {
  const p = path.replace(/^\/+/, '');
  const first = p.split('/', 1)[0];
  return isVersionSegment(first) ? p.slice(first.length + 1) : p;
}

export interface ListingProblem {
  /** 1-based line number in the body. */
  line: number;
  text: string;
  reason: string;
}

export interface ParsedListing {
  entries: ListingEntry[];
  problems: ListingProblem[];
  /** Set when the body as a whole is not a listing (HTML page, binary); entries is then empty. */
  fatal?: string;
}

const MAX_NAME_LENGTH = 1024;

/**
 * Parses a listing body into child entries, and reports lines it refuses: control characters,
 * `/` inside a name, `.`/`..`, over-long or duplicate names. A body that is not a listing at all
 * (an HTML page from a proxy, binary data) is reported as `fatal`.
 */
export function parseListingDetailed(parent: string, body: string | Buffer): ParsedListing {
  const dir = parent.endsWith('/') ? parent : parent + '/';
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const problems: ListingProblem[] = [];
  const entries: ListingEntry[] = [];
  if (text.includes('\uFFFD') || text.includes('\x00')) return { entries, problems, fatal: 'the body is binary, not text' };
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<?xml') || /^<[a-z!?]/.test(head)) {
    return { entries, problems, fatal: 'the body is an HTML/XML page, not a listing' };
  }
  const segments = dir.split('/').filter((s) => s !== '');
  const isRoot = segments.length === 0;
  const isVersionRoot = segments.length === 1 && isVersionSegment(segments[0]);
  const isPublicKeys = segments.length >= 2 && segments[segments.length - 1] === 'public-keys' && segments[segments.length - 2] === 'meta-data';
  const seen = new Set<string>();
  // Returns why a line is refused, or undefined once it is taken (or blank).
  const parseLine = (rawLine: string): string | undefined => {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.trim() === '') return undefined;
    if (/[\x00-\x1f\x7f]/.test(line)) return 'contains a control character';
    if (line.length > MAX_NAME_LENGTH) return `longer than ${MAX_NAME_LENGTH} characters`;
    if (line !== line.trim()) return 'has leading or trailing spaces';
    const slashDir = line.endsWith('/');
    const name = slashDir ? line.slice(0, -1) : line;
    if (name === '') return 'is only a slash';
    if (name.includes('/')) return 'has a "/" inside the name';
    if (name === '.' || name === '..') return `is "${name}"`;
    let childName = name;
    let isDirectory = slashDir;
    if (isPublicKeys) {
      // `0=my-key` names the directory `public-keys/0/`.
      const key = /^(\d+)=(.*)$/.exec(name);
      if (key) {
        childName = key[1];
        isDirectory = true;
      }
    } else if (isRoot) {
      if (!isVersionSegment(name)) return 'is not an IMDS version';
      isDirectory = true;
    } else if (isVersionRoot && VERSION_ROOT_DIRS.has(name)) {
      isDirectory = true;
    }
    if (seen.has(childName)) return 'duplicates an earlier entry';
    seen.add(childName);
    entries.push({ name, path: dir + childName + (isDirectory ? '/' : ''), isDirectory });
    return undefined;
  };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const problem = parseLine(lines[index]);
    if (problem) problems.push({ line: index + 1, text: lines[index].slice(0, 200), reason: problem });
  }
  return { entries, problems };
}

/**
 * Entries of a listing. Malformed lines are left out (parseListingDetailed reports them); a body
 * that is no listing at all, or whose every line is malformed, throws an ImdsError `Malformed`.
 */
export function parseListing(parent: string, body: string | Buffer): ListingEntry[] {
  const parsed = parseListingDetailed(parent, body);
  if (parsed.fatal) throw malformedError(parent, parsed.fatal);
  if (parsed.entries.length === 0 && parsed.problems.length > 0) {
    const first = parsed.problems[0];
    throw malformedError(parent, `line ${first.line} ${first.reason}`);
  }
  return parsed.entries;
}
