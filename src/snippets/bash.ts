// bash + curl snippets. Every curl call uses:
//   -f  fail on HTTP errors (exit 22) instead of printing the error page as if it were the value;
//   -sS quiet, but still say on stderr what went wrong;
//   -g  no URL globbing, so `[...]` (IPv6 endpoint) and `{...}` in a path are taken literally;
//   --noproxy '*'  an http_proxy in the environment must not receive metadata requests;
//   --connect-timeout / -m  off EC2 (or with a hop limit too low) fail in seconds, not minutes.
// Failures are checked explicitly, so the snippets behave the same with or without `set -e`.

import { bashSingleQuote } from './quote';
import { IMDS_IPV4_ENDPOINT, IMDS_IPV6_ENDPOINT, imdsRequestPath, resolveOptions, type ResolvedOptions, type SnippetOptions } from './options';

const TOKEN_HEADER = 'X-aws-ec2-metadata-token';
const TTL_HEADER = 'X-aws-ec2-metadata-token-ttl-seconds';

function curlBase(o: ResolvedOptions): string {
  return `curl -fsS -g --noproxy '*' --connect-timeout ${o.connectTimeoutSeconds} -m ${o.requestTimeoutSeconds}`;
}

interface V2Flavour {
  header: string[];
  failureHint: string;
}

/** The token half of every v2 script: endpoint, PUT with TTL, and the checks. */
function tokenLines(o: ResolvedOptions, failureHint: string): string[] {
  const curl = curlBase(o);
  return [
    `IMDS_ENDPOINT=${bashSingleQuote(o.endpoint)}`,
    `if ! IMDS_TOKEN="$(${curl} -X PUT \\`,
    `    -H ${bashSingleQuote(`${TTL_HEADER}: ${o.tokenTtlSeconds}`)} "$IMDS_ENDPOINT/latest/api/token")" \\`,
    `    || [ -z "$IMDS_TOKEN" ]; then`,
    `  echo ${bashSingleQuote(`IMDSv2 token request failed: ${failureHint}`)} >&2`,
    '  exit 1',
    'fi',
    `# One token serves every read until its TTL (${o.tokenTtlSeconds} s) ends: reuse "$IMDS_TOKEN", no PUT per read.`,
  ];
}

const DEFAULT_FAILURE_HINT = 'IMDS disabled (403), not on EC2, or the hop limit is too low for a container';

function v2Script(path: string, options: SnippetOptions, defaultEndpoint: string, flavour: V2Flavour): string {
  const o = resolveOptions(options, defaultEndpoint);
  const paths = [path, ...(options.extraPaths ?? [])].map(imdsRequestPath);
  const curl = curlBase(o);
  const lines = [...flavour.header, ...tokenLines(o, flavour.failureHint)];
  for (const requestPath of paths) {
    lines.push(`${curl} -H "${TOKEN_HEADER}: $IMDS_TOKEN" \\`, `  "$IMDS_ENDPOINT"${bashSingleQuote(requestPath)} || exit 1`);
    // Several values in a row: end each with a newline so they do not run together.
    if (paths.length > 1) lines.push('echo');
  }
  return lines.join('\n') + '\n';
}

/** Only the IMDSv2 token request, into IMDS_TOKEN, for scripts that then make their own reads. */
export function bashImdsV2Token(options: SnippetOptions = {}): string {
  const o = resolveOptions(options, IMDS_IPV4_ENDPOINT);
  return [
    '# IMDSv2 session token into IMDS_TOKEN (bash + curl). -f: an HTTP error fails the request',
    '# instead of storing the error page as the token. Then read with:',
    `#   ${curlBase(o)} -H "${TOKEN_HEADER}: $IMDS_TOKEN" "$IMDS_ENDPOINT/latest/meta-data/instance-id"`,
    ...tokenLines(o, DEFAULT_FAILURE_HINT),
  ].join('\n') + '\n';
}

/** IMDSv2 read of `path` (and `extraPaths`) with one token, over IPv4. */
export function bashImdsV2(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV4_ENDPOINT, {
    header: [
      `# IMDSv2 (session token): read ${imdsRequestPath(path)} with bash + curl.`,
      '# -f: an HTTP error fails the command instead of storing the error page as the token or value.',
    ],
    failureHint: DEFAULT_FAILURE_HINT,
  });
}

/** The same over the IPv6 endpoint (Nitro instances with the IPv6 endpoint enabled). */
export function bashImdsV2Ipv6(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV6_ENDPOINT, {
    header: [
      `# IMDSv2 over IPv6: read ${imdsRequestPath(path)} with bash + curl.`,
      '# [fd00:ec2::254] answers only on Nitro instances in an IPv6 subnet with the IPv6 endpoint enabled:',
      '#   aws ec2 modify-instance-metadata-options --instance-id i-0123456789abcdef0 --http-protocol-ipv6 enabled',
    ],
    failureHint: 'IPv6 endpoint not enabled or not reachable, IMDS disabled (403), or not on EC2',
  });
}

/** IMDSv2 from inside a container, with the hop-limit explanation next to the token request. */
export function bashImdsV2Container(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV4_ENDPOINT, {
    header: [
      `# IMDSv2 from inside a container (Docker, ECS on EC2, Kubernetes): read ${imdsRequestPath(path)}.`,
      '# The token response is sent with an IP TTL equal to the instance\'s hop limit (default 1); the',
      '# container\'s network adds a hop, so with hop limit 1 the PUT below times out (IMDSv1 GETs may',
      '# still work, which hides the cause). Set the hop limit to 2 on the instance:',
      '#   aws ec2 modify-instance-metadata-options --instance-id i-0123456789abcdef0 \\',
      '#     --http-put-response-hop-limit 2 --http-endpoint enabled',
    ],
    failureHint: 'hop limit too low for a container (set it to 2), IMDS disabled (403), or not on EC2',
  });
}

/** IMDSv1 (no token): for instances that still allow it; labelled legacy in the snippet itself. */
export function bashImdsV1(path: string, options: SnippetOptions = {}): string {
  const o = resolveOptions(options, IMDS_IPV4_ENDPOINT);
  const requestPath = imdsRequestPath(path);
  return [
    `# IMDSv1 (LEGACY, no token): read ${requestPath}.`,
    '# Works only while the instance allows IMDSv1 (HttpTokens=optional); instances that require IMDSv2',
    '# answer 401 and this fails. IMDSv1 is what SSRF attacks abuse: prefer the IMDSv2 snippet.',
    `${curlBase(o)} ${bashSingleQuote(o.endpoint + requestPath)} || exit 1`,
  ].join('\n') + '\n';
}

/**
 * A reusable `imds_get PATH` function: IMDSv2 token cached in the shell until shortly before its
 * TTL ends, a new token and one retry when a read fails with an HTTP error (an expired or revoked
 * token answers 401), and errors on stderr with a non-zero status.
 */
export function bashImdsFunction(path: string, options: SnippetOptions = {}): string {
  const o = resolveOptions(options, IMDS_IPV4_ENDPOINT);
  const curl = curlBase(o);
  const paths = [path, ...(options.extraPaths ?? [])].map(imdsRequestPath);
  const lines = [
    '# imds_get PATH: print the IMDS value at PATH (absolute, or relative to /latest/) using IMDSv2.',
    '# The token is cached in IMDS_TOKEN until shortly before its TTL ends. A cache filled inside',
    '# $(...) is lost with that subshell, so call imds_token once in the main shell first:',
    '#   imds_token || exit 1',
    '#   instance_id="$(imds_get meta-data/instance-id)" || exit 1',
    `IMDS_ENDPOINT=${bashSingleQuote(o.endpoint)}`,
    `IMDS_TOKEN_TTL=${o.tokenTtlSeconds}`,
    "IMDS_TOKEN=''",
    'IMDS_TOKEN_EXPIRES_AT=0',
    '',
    'imds_token() {',
    '  local now token',
    '  now="$(date +%s)"',
    '  if [ -n "$IMDS_TOKEN" ] && [ "$now" -lt "$IMDS_TOKEN_EXPIRES_AT" ]; then return 0; fi',
    `  if ! token="$(${curl} -X PUT \\`,
    `      -H "${TTL_HEADER}: $IMDS_TOKEN_TTL" "$IMDS_ENDPOINT/latest/api/token")" || [ -z "$token" ]; then`,
    '    echo "imds_token: IMDSv2 token request to $IMDS_ENDPOINT failed (IMDS disabled, not on EC2, or hop limit too low in a container)" >&2',
    '    return 1',
    '  fi',
    '  IMDS_TOKEN="$token"',
    '  # Renew a tenth of the TTL early so a token never expires between the check and the read.',
    '  IMDS_TOKEN_EXPIRES_AT=$(( now + IMDS_TOKEN_TTL - IMDS_TOKEN_TTL / 10 ))',
    '}',
    '',
    'imds_get() {',
    '  if [ "$#" -ne 1 ] || [ -z "$1" ]; then echo "usage: imds_get PATH" >&2; return 2; fi',
    '  local imds_path="$1" status',
    '  case "$imds_path" in /*) ;; *) imds_path="/latest/$imds_path" ;; esac',
    '  imds_token || return 1',
    `  ${curl} -H "${TOKEN_HEADER}: $IMDS_TOKEN" "$IMDS_ENDPOINT$imds_path" && return 0`,
    '  status=$?',
    '  # curl exit 22 is an HTTP error; 401 means the token expired or was revoked: retry once with a new one.',
    '  if [ "$status" -eq 22 ]; then',
    "    IMDS_TOKEN=''",
    '    imds_token || return 1',
    `    ${curl} -H "${TOKEN_HEADER}: $IMDS_TOKEN" "$IMDS_ENDPOINT$imds_path" && return 0`,
    '    status=$?',
    '  fi',
    '  echo "imds_get: reading $imds_path failed (curl exit $status)" >&2',
    '  return "$status"',
    '}',
    '',
  ];
  for (const requestPath of paths) {
    lines.push(`imds_get ${bashSingleQuote(requestPath)} || exit 1`);
    if (paths.length > 1) lines.push('echo');
  }
  return lines.join('\n') + '\n';
}
