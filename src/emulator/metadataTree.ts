// The served tree: leaves keyed by their path under a version root (`meta-data/ami-id`,
// `dynamic/instance-identity/document`, `user-data`). Directories are implied by the leaves and
// compiled once per change into a route table, so a request costs one Map lookup.

/** A value computed when the tree is compiled (from other leaves) or on every request. */
export interface DynamicLeaf {
  /** `compile`: evaluated once per compile with the effective leaves; `request`: per request. */
  when: 'compile' | 'request';
  produce(leaves: ReadonlyMap<string, Leaf>): Buffer;
}

export type Leaf = Buffer | DynamicLeaf;

export const TEXT_PLAIN = 'text/plain';

/** One answer the server can give: a fixed body with its headers, or a per-request producer. */
export interface Route {
  kind: 'value' | 'dir';
  body: Buffer;
  /** Flat [name, value, ...] header list for writeHead, precomputed. */
  headers: string[];
  produce?: () => Buffer;
}

export function isDynamic(leaf: Leaf): leaf is DynamicLeaf {
  return !Buffer.isBuffer(leaf);
}

export function routeHeaders(contentType: string, length: number): string[] {
  return ['Content-Type', contentType, 'Content-Length', String(length), 'Server', 'EC2ws'];
}

function fixedRoute(kind: 'value' | 'dir', body: Buffer): Route {
  return { kind, body, headers: routeHeaders(TEXT_PLAIN, body.length) };
}

/**
 * Turns any accepted spelling of a path into a tree key: `/latest/meta-data/x`, `/2021-03-23/meta-data/x`,
 * `/meta-data/x` and `meta-data/x` all become `meta-data/x`. Throws on empty or dot segments.
 */
export function normalizeTreePath(path: string, versions: ReadonlySet<string>): string {
  let p = path.trim();
  while (p.startsWith('/')) p = p.slice(1);
  const first = p.split('/', 1)[0];
  if (versions.has(first)) p = p.slice(first.length + 1);
  while (p.endsWith('/')) p = p.slice(0, -1);
  if (p === '') throw new Error(`Path "${path}" names no value: give a path like /latest/meta-data/tags/instance/Name.`);
  for (const segment of p.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new Error(`Path "${path}" has an empty or dot segment; IMDS paths are plain names separated by single slashes.`);
    }
    const unservable = unservableReason(segment);
    if (unservable) throw new Error(`Path ${JSON.stringify(path)} can never be requested: a name ${unservable}.`);
  }
  return p;
}

/**
 * Why a name can never be asked for over HTTP (or would list as something else), or undefined.
 * A space or a control character breaks the request line, `?` and `#` end the path, a newline
 * splits a listing line in two, and non-ASCII bytes are refused by clients before they are sent.
 */
export function unservableReason(name: string): string | undefined {
  const bad = /[\s\x00-\x1f\x7f?#]|[^\x00-\x7e]/.exec(name);
  if (!bad) return undefined;
  const char = bad[0];
  const what = char === ' ' ? 'a space' : char === '\n' ? 'a newline' : char === '\0' ? 'a NUL' : char === '?' ? '"?" (it starts a query)' : char === '#' ? '"#" (it starts a fragment)' : /[\x00-\x1f\x7f\s]/.test(char) ? `a control or space character (U+${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()})` : `a non-ASCII character (${JSON.stringify(char)})`;
  return `with ${what} cannot be requested from IMDS; use letters, digits and - _ . : + = @ ,`;
}

/** Checks that adding `key` as a leaf does not collide with an existing directory or leaf parent. */
export function findLeafConflict(leaves: ReadonlyMap<string, Leaf>, key: string): string | undefined {
  const parts = key.split('/');
  for (let i = 1; i < parts.length; i++) {
    const parent = parts.slice(0, i).join('/');
    if (leaves.has(parent)) return `"${parent}" is a value, so "${key}" cannot be under it`;
  }
  const prefix = key + '/';
  for (const existing of leaves.keys()) {
    if (existing.startsWith(prefix)) return `"${key}" is a directory (it holds "${existing}")`;
  }
  return undefined;
}

/** Removes a leaf or a whole subtree. */
export function deleteSubtree(leaves: Map<string, Leaf>, key: string): void {
  leaves.delete(key);
  const prefix = key + '/';
  for (const existing of [...leaves.keys()]) if (existing.startsWith(prefix)) leaves.delete(existing);
}

// Listing order: the real service lists names in ASCII order; numbered entries (public keys,
// block devices ebs1, ebs2 ...) read better in numeric order, which localeCompare's numeric mode gives.
function compareNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'variant' });
}

export interface CompileInput {
  leaves: ReadonlyMap<string, Leaf>;
  /** Listing labels for directories whose listed name differs from their path (`public-keys/0` → `0=my-key`). */
  labels: ReadonlyMap<string, string>;
}

/**
 * Compiles the route table. Keys are request paths under a version root with no leading slash:
 * `''` (version root), `meta-data`, `meta-data/` (same listing), `meta-data/ami-id` and
 * `meta-data/ami-id/` (same value): the real service answers a value asked with a trailing slash
 * (botocore asks for `placement/availability-zone/`), and so does AWS's own mock, which strips it.
 */
export function compileRoutes({ leaves, labels }: CompileInput): Map<string, Route> {
  const dirs = new Map<string, Set<string>>([['', new Set()]]);
  const routes = new Map<string, Route>();
  for (const [key, leaf] of leaves) {
    const parts = key.split('/');
    let parent = '';
    for (let i = 0; i < parts.length; i++) {
      const isLast = i === parts.length - 1;
      const path = parent === '' ? parts[i] : parent + '/' + parts[i];
      let children = dirs.get(parent);
      if (!children) dirs.set(parent, (children = new Set()));
      // The version root lists `dynamic`, `meta-data`, `user-data` without slashes, as the service does.
      const label = labels.get(path) ?? parts[i];
      children.add(isLast || parent === '' || labels.has(path) ? label : label + '/');
      if (!isLast && !dirs.has(path)) dirs.set(path, new Set());
      parent = path;
    }
    let route: Route;
    if (isDynamic(leaf)) {
      if (leaf.when === 'compile') {
        route = fixedRoute('value', leaf.produce(leaves));
      } else {
        const first = leaf.produce(leaves);
        route = { kind: 'value', body: first, headers: routeHeaders(TEXT_PLAIN, first.length), produce: () => leaf.produce(leaves) };
      }
    } else {
      route = fixedRoute('value', leaf);
    }
    // One more Map entry instead of string work on every request.
    routes.set(key, route);
    routes.set(key + '/', route);
  }
  for (const [dir, children] of dirs) {
    const body = Buffer.from([...children].sort(compareNames).join('\n'));
    const route = fixedRoute('dir', body);
    routes.set(dir, route);
    if (dir !== '') routes.set(dir + '/', route);
  }
  return routes;
}
