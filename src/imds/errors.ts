// Typed IMDS errors. Every error names what happened in a line short enough for a tree node and
// carries a remedy a person can act on, because "request failed" teaches nobody anything.

export type ImdsErrorCode =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'ServiceUnavailable'
  | 'Throttled'
  | 'Timeout'
  | 'Unreachable'
  | 'TooLarge'
  | 'Malformed'
  | 'Disabled'
  | 'TokenUnavailable';

export interface ImdsErrorInit {
  code: ImdsErrorCode;
  /** IMDS path the request was for (e.g. `/latest/meta-data/iam/info`, `/latest/api/token`). */
  path: string;
  /** Short statement of what happened, without the path (the message adds it). */
  summary: string;
  remedy: string;
  status?: number;
  /** How many HTTP attempts were made before giving up. */
  attempts?: number;
  cause?: unknown;
}

export class ImdsError extends Error {
  readonly code: ImdsErrorCode;
  readonly path: string;
  readonly status?: number;
  /** What a person should do about it, in one or two sentences. */
  readonly remedy: string;
  readonly summary: string;
  readonly attempts?: number;

  constructor(init: ImdsErrorInit) {
    super(`${init.summary}: ${init.path}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ImdsError';
    this.code = init.code;
    this.path = init.path;
    this.status = init.status;
    this.remedy = init.remedy;
    this.summary = init.summary;
    this.attempts = init.attempts;
  }

  /** Message and remedy on one line: what the CLI prints and what a log line needs. */
  toLine(): string {
    return `${this.message}. ${this.remedy}`;
  }
}

export function isImdsError(error: unknown): error is ImdsError {
  return error instanceof ImdsError;
}

const ENABLE_IMDS = 'aws ec2 modify-instance-metadata-options --instance-id <id> --http-endpoint enabled';
const RAISE_HOP_LIMIT = 'aws ec2 modify-instance-metadata-options --instance-id <id> --http-put-response-hop-limit 2';

/** Remedy for a 404, which depends on the category: most "missing" categories need a setting. */
export function notFoundRemedy(path: string): string {
  const p = path.replace(/^\/[^/]+\//, '/'); // drop the version segment
  if (/^\/meta-data\/tags\/instance\/[^/]+$/.test(p)) {
    return 'No instance tag with this key (keys are case-sensitive): list meta-data/tags/instance/ to see the keys; a tag added after launch shows up within minutes.';
  }
  if (/^\/meta-data\/iam\/security-credentials\/[^/]+$/.test(p)) {
    return 'No credentials under that role name: list meta-data/iam/security-credentials/ to see the attached role (names are case-sensitive).';
  }
  if (p.startsWith('/meta-data/tags/')) {
    return 'Instance tags are not in metadata: turn them on with aws ec2 modify-instance-metadata-options --instance-id <id> --instance-metadata-tags enabled (tag keys must not contain spaces or "/").';
  }
  if (p.startsWith('/meta-data/iam/')) {
    return 'No IAM role is attached: attach an instance profile (aws ec2 associate-iam-instance-profile), then wait a few seconds for credentials to appear.';
  }
  if (p.startsWith('/meta-data/spot/')) return 'spot/ exists only on Spot Instances, and instance-action only once an interruption is scheduled.';
  if (p.startsWith('/meta-data/events/')) return 'Event categories appear only when the instance has scheduled events or a rebalance recommendation.';
  if (p === '/user-data') return 'This instance was launched without user data; that is not an error.';
  if (p.startsWith('/meta-data/ipv6') || p.includes('/ipv6s') || p.includes('ipv6-cidr')) return 'The instance has no IPv6 address on this interface.';
  if (p.startsWith('/meta-data/public-')) return 'The instance has no public IP address or key here; this category exists only when one was assigned.';
  return 'This category does not exist on this instance (several exist only on some instance types or configurations); check the path.';
}

/** Builds the error for an HTTP status the service answered. */
export function errorForStatus(status: number, path: string, attempts?: number): ImdsError {
  const isToken = path.endsWith('/api/token');
  switch (status) {
    case 400:
      return new ImdsError({
        code: 'BadRequest', status, path, attempts,
        summary: isToken ? 'Token request rejected (400)' : 'Request rejected (400)',
        remedy: isToken
          ? 'The token TTL must be 1-21600 seconds, and IMDS refuses token requests that pass through a proxy (X-Forwarded-For): check the TTL setting and bypass HTTP proxies for 169.254.169.254 (NO_PROXY).'
          : 'IMDS found the request invalid: check the path, and that no HTTP proxy sits between this machine and IMDS (set NO_PROXY=169.254.169.254,fd00:ec2::254).',
      });
    case 401:
      return new ImdsError({
        code: 'Unauthorized', status, path, attempts,
        summary: 'IMDSv2 token rejected (401)',
        remedy: 'The instance requires IMDSv2 and the token was missing, invalid or expired even after a fresh one was fetched: use version policy auto or v2-only, and check that no proxy strips the X-aws-ec2-metadata-token header.',
      });
    case 403:
      return new ImdsError({
        code: 'Forbidden', status, path, attempts,
        summary: isToken ? 'Token request forbidden (403)' : 'IMDS is turned off or access is denied (403)',
        remedy: isToken && !/^\/latest\//.test(path)
          ? 'Tokens are issued only at /latest/api/token, never under a dated version.'
          : `Turn the metadata endpoint on: ${ENABLE_IMDS}.`,
      });
    case 404:
      return new ImdsError({ code: 'NotFound', status, path, attempts, summary: 'Not found (404)', remedy: notFoundRemedy(path) });
    case 405:
      return new ImdsError({
        code: 'BadRequest', status, path, attempts,
        summary: 'Method not allowed (405)',
        remedy: isToken
          ? 'The token path takes only PUT (the client fetches tokens itself); an endpoint that refuses the PUT has no IMDSv2.'
          : 'IMDS answers GET for metadata and PUT only for /latest/api/token: check the request, and that no proxy rewrites it.',
      });
    case 429:
      return new ImdsError({
        code: 'Throttled', status, path, attempts,
        summary: `Throttled by IMDS (429) after ${attempts ?? 1} attempt(s)`,
        remedy: 'Too many requests from this instance: wait a moment and retry, lower the concurrency, and make other programs cache what they read (credentials until shortly before they expire).',
      });
    case 503:
      return new ImdsError({
        code: 'ServiceUnavailable', status, path, attempts,
        summary: `IMDS unavailable (503) after ${attempts ?? 1} attempt(s)`,
        remedy: 'The service asked to retry later: wait a few seconds and refresh. If it persists, the instance may be overloaded or throttled.',
      });
    default:
      return new ImdsError({
        code: status >= 500 ? 'ServiceUnavailable' : 'BadRequest', status, path, attempts,
        summary: `Unexpected HTTP status ${status}`,
        remedy: 'Something other than IMDS may be answering at this endpoint (a proxy?): check the endpoint setting and NO_PROXY.',
      });
  }
}

export function timeoutError(path: string, ms: number, attempts?: number, cause?: unknown): ImdsError {
  const isToken = path.endsWith('/api/token');
  return new ImdsError({
    code: 'Timeout', path, attempts, cause,
    summary: isToken ? `Token request got no answer within ${ms} ms` : `No answer within ${ms} ms`,
    remedy: isToken
      ? `The token PUT timed out: inside a container the hop limit is usually too low. Raise it to 2: ${RAISE_HOP_LIMIT}.`
      : 'IMDS accepted the connection but did not answer: retry, and check for a proxy or firewall between this process and IMDS.',
  });
}

const LINK_LOCAL_ORIGINS = new Set(['http://169.254.169.254', 'http://[fd00:ec2::254]']);

export function unreachableError(path: string, endpoint: string, detail: string, cause?: unknown): ImdsError {
  return new ImdsError({
    code: 'Unreachable', path, cause,
    summary: `Cannot reach IMDS at ${endpoint} (${detail})`,
    remedy: LINK_LOCAL_ORIGINS.has(endpoint)
      ? 'This machine is probably not an EC2 instance: use the emulator or the SSM source, or set the endpoint. On EC2, check that no firewall blocks 169.254.169.254, and for IPv6 that the instance is Nitro-based with --http-protocol-ipv6 enabled.'
      : `Nothing answers at ${endpoint}: check the endpoint setting (or AWS_EC2_METADATA_SERVICE_ENDPOINT) and that the emulator or service there is running.`,
  });
}

export function tooLargeError(path: string, limit: number): ImdsError {
  return new ImdsError({
    code: 'TooLarge', path,
    summary: `Response larger than ${limit} bytes`,
    remedy: 'IMDS values are small (user data is at most 16 KB): something other than IMDS is probably answering at this endpoint; check the endpoint and any proxy in between.',
  });
}

/** The request could not be sent at all (the HTTP library refused a path or header). */
export function invalidRequestError(path: string, cause?: unknown): ImdsError {
  return new ImdsError({
    code: 'BadRequest', path, cause,
    summary: 'Request not sent: it has characters HTTP does not allow',
    remedy: 'IMDS paths and tokens are printable ASCII without spaces: check the path (and, if this follows a token, the endpoint that issued it).',
  });
}

export function malformedError(path: string, detail: string): ImdsError {
  return new ImdsError({
    code: 'Malformed', path,
    summary: `Unreadable listing: ${detail}`,
    remedy: 'The answer is not an IMDS listing: a proxy or captive portal may be answering. Check the endpoint and set NO_PROXY=169.254.169.254,fd00:ec2::254.',
  });
}

export function disabledError(path: string, variable = 'AWS_EC2_METADATA_DISABLED'): ImdsError {
  return new ImdsError({
    code: 'Disabled', path,
    summary: `IMDS access is disabled by ${variable}`,
    remedy: `Unset ${variable} (or set it to false) to let this tool read instance metadata.`,
  });
}

/** The IMDSv2 token could not be had and reading without one is not allowed (or not accepted). */
export function tokenUnavailableError(path: string, reason: 'refused' | 'timeout', status?: number, cause?: unknown): ImdsError {
  if (reason === 'timeout') {
    return new ImdsError({
      code: 'TokenUnavailable', path, status, cause,
      summary: 'No IMDSv2 token: the token PUT timed out',
      remedy: `The PUT response did not arrive, which is what a hop limit of 1 does to a container: raise it to 2 (${RAISE_HOP_LIMIT}), or allow IMDSv1 fallback.`,
    });
  }
  return new ImdsError({
    code: 'TokenUnavailable', path, status, cause,
    summary: `No IMDSv2 token: the endpoint refused the token PUT${status ? ` (${status})` : ''}`,
    remedy: 'This endpoint offers no IMDSv2 tokens and IMDSv1 is not allowed here (version policy v2-only, AWS_EC2_METADATA_V1_DISABLED, or the service requires tokens): allow IMDSv1 (version policy auto) or use an endpoint that supports IMDSv2.',
  });
}
