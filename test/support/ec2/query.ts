// The EC2 Query protocol's request side: a form-encoded body of flat keys (`Action=…&Version=…`),
// lists as `Name.1`, `Name.2`, structures as `Filter.1.Name`, `Filter.1.Value.1`. Decoded here
// into a flat map with helpers that read lists and filters the way EC2 numbers them.

export type QueryParams = Map<string, string>;

export function parseQuery(body: string): QueryParams {
  const params: QueryParams = new Map();
  for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  return params;
}

/** `Prefix.1`, `Prefix.2` … in numeric order (EC2 ignores gaps). */
export function listParam(params: QueryParams, prefix: string): string[] {
  const found: [number, string][] = [];
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) found.push([Number(match[1]), value]);
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

/** `Filter.N.Name` with its `Filter.N.Value.M`. */
export function filterParams(params: QueryParams): { name: string; values: string[] }[] {
  const indexes = new Set<number>();
  for (const key of params.keys()) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (match) indexes.add(Number(match[1]));
  }
  return [...indexes].sort((a, b) => a - b).map((i) => ({ name: params.get(`Filter.${i}.Name`) ?? '', values: listParam(params, `Filter.${i}.Value`) }));
}

export function boolParam(params: QueryParams, name: string): boolean {
  return params.get(name)?.toLowerCase() === 'true';
}

/** EC2's `*` and `?` wildcards in filter values. */
export function wildcardMatch(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
  return regex.test(value);
}
