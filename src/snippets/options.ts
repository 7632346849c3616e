// Options every snippet generator takes, their defaults, and the checks that keep a generated
// snippet well-formed whatever the caller passes.

export const IMDS_IPV4_ENDPOINT = 'http://169.254.169.254';
export const IMDS_IPV6_ENDPOINT = 'http://[fd00:ec2::254]';
/** The maximum TTL IMDS accepts (6 hours); one token then serves a whole script. */
export const MAX_TOKEN_TTL_SECONDS = 21600;

export interface SnippetOptions {
  /** Base URL of IMDS, e.g. an emulator's `http://127.0.0.1:1338`. Default: the variant's own endpoint. */
  endpoint?: string;
  /** TTL asked for the IMDSv2 token, 1..21600 seconds. Default 21600. */
  tokenTtlSeconds?: number;
  /** Seconds allowed to open the connection (curl `--connect-timeout`). Default 2. */
  connectTimeoutSeconds?: number;
  /** Seconds allowed for a whole request (curl `-m`, `-TimeoutSec`, fetch/urllib timeouts). Default 5. */
  requestTimeoutSeconds?: number;
  /** More paths to read with the same token, after `path` (bash v2 snippet): shows token reuse. */
  extraPaths?: string[];
  /** User name for access-restriction rules. Default: a placeholder named in the rule's comment. */
  user?: string;
}

export interface ResolvedOptions {
  endpoint: string;
  tokenTtlSeconds: number;
  connectTimeoutSeconds: number;
  requestTimeoutSeconds: number;
}

export function resolveOptions(options: SnippetOptions, defaultEndpoint: string): ResolvedOptions {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? MAX_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1 || tokenTtlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new RangeError(`tokenTtlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}, got ${tokenTtlSeconds}`);
  }
  return {
    endpoint: normalizeEndpoint(options.endpoint ?? defaultEndpoint),
    tokenTtlSeconds,
    connectTimeoutSeconds: positiveSeconds('connectTimeoutSeconds', options.connectTimeoutSeconds ?? 2),
    requestTimeoutSeconds: positiveSeconds('requestTimeoutSeconds', options.requestTimeoutSeconds ?? 5),
  };
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > 3600) {
    throw new RangeError(`${name} must be a number of seconds above 0 and at most 3600, got ${value}`);
  }
  return value;
}

/** `http(s)://host[:port]` with no path, query or trailing slash; rejects anything else. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RangeError(`endpoint is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`endpoint must be http:// or https://, got ${JSON.stringify(endpoint)}`);
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new RangeError(`endpoint must be scheme://host[:port] only, got ${JSON.stringify(endpoint)}`);
  }
  // Host names, IPv4 and bracketed IPv6 only: WHATWG URLs accept hosts like `h'$(id)`.
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.test(url.host)) {
    throw new RangeError(`endpoint host must be a host name or an IP address, got ${JSON.stringify(url.host)}`);
  }
  return `${url.protocol}//${url.host}`;
}

/**
 * The path as it goes on the wire: absolute (a relative path is taken under `/latest/`), and
 * percent-encoded where a URL path may not hold the character (spaces, quotes `"`, backticks,
 * control characters such as newlines, `?`, `#`, non-ASCII). Existing `%XX` escapes are kept.
 * The result has no whitespace or control characters, so it can also appear in a comment.
 */
export function imdsRequestPath(path: string): string {
  const absolute = path.startsWith('/') ? path : `/latest/${path}`;
  let out = '';
  for (let i = 0; i < absolute.length; i++) {
    const char = absolute[i];
    if (/[A-Za-z0-9\-._~/!$&'()*+,;=:@]/.test(char)) out += char;
    else if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(absolute.slice(i + 1, i + 3))) out += char;
    else {
      // Take a whole surrogate pair so non-BMP characters encode to their UTF-8 bytes.
      const code = absolute.codePointAt(i) ?? 0;
      const whole = String.fromCodePoint(code);
      if (whole.length === 2) i++;
      const loneSurrogate = code >= 0xd800 && code <= 0xdfff;
      out += encodeURIComponent(loneSurrogate ? '\uFFFD' : whole);
    }
  }
  return out;
}
