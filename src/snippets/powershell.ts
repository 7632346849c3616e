// PowerShell snippets for Windows instances. Invoke-RestMethod with -ErrorAction Stop throws on
// HTTP errors, so an error page never becomes the token or the value. -UseBasicParsing keeps
// Windows PowerShell 5.1 from needing Internet Explorer's engine (PowerShell 7 ignores it).
// Every path and value is a single-quoted string: PowerShell expands nothing inside those.

import { powershellSingleQuote } from './quote';
import { IMDS_IPV4_ENDPOINT, IMDS_IPV6_ENDPOINT, imdsRequestPath, resolveOptions, type ResolvedOptions, type SnippetOptions } from './options';

/** The token half of every v2 script: endpoint, PUT with TTL, and a clear error. */
function tokenLines(o: ResolvedOptions): string[] {
  return [
    `$imdsEndpoint = ${powershellSingleQuote(o.endpoint)}`,
    'try {',
    `    $imdsToken = Invoke-RestMethod -Method Put -Uri ($imdsEndpoint + '/latest/api/token') \``,
    `        -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '${o.tokenTtlSeconds}' } \``,
    `        -TimeoutSec ${timeoutOf(o)} -UseBasicParsing -ErrorAction Stop`,
    '} catch {',
    "    throw ('IMDSv2 token request failed (IMDS disabled, not on EC2, or hop limit too low for a container): ' + $_)",
    '}',
    `# One token serves every read until its TTL (${o.tokenTtlSeconds} s) ends: reuse $imdsToken.`,
  ];
}

function timeoutOf(o: ResolvedOptions): number {
  return Math.ceil(o.requestTimeoutSeconds);
}

function v2Script(path: string, options: SnippetOptions, defaultEndpoint: string, header: string[]): string {
  const o = resolveOptions(options, defaultEndpoint);
  const paths = [path, ...(options.extraPaths ?? [])].map(imdsRequestPath);
  const lines = [...header, ...tokenLines(o)];
  for (const requestPath of paths) {
    lines.push(
      `Invoke-RestMethod -Uri ($imdsEndpoint + ${powershellSingleQuote(requestPath)}) \``,
      `    -Headers @{ 'X-aws-ec2-metadata-token' = $imdsToken } -TimeoutSec ${timeoutOf(o)} -UseBasicParsing -ErrorAction Stop`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Only the IMDSv2 token request, into $imdsToken, for scripts that then make their own reads. */
export function powershellImdsV2Token(options: SnippetOptions = {}): string {
  const o = resolveOptions(options, IMDS_IPV4_ENDPOINT);
  return [
    '# IMDSv2 session token into $imdsToken (Windows PowerShell 5.1 or PowerShell 7). Then read with:',
    `#   Invoke-RestMethod -Uri ($imdsEndpoint + '/latest/meta-data/instance-id') -Headers @{ 'X-aws-ec2-metadata-token' = $imdsToken } -TimeoutSec ${timeoutOf(o)} -UseBasicParsing`,
    ...tokenLines(o),
  ].join('\n') + '\n';
}

/** IMDSv2 read of `path` (and `extraPaths`) with one token, over IPv4. */
export function powershellImdsV2(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV4_ENDPOINT, [
    `# IMDSv2 (session token): read ${imdsRequestPath(path)} (Windows PowerShell 5.1 or PowerShell 7).`,
  ]);
}

/** The same over the IPv6 endpoint. */
export function powershellImdsV2Ipv6(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV6_ENDPOINT, [
    `# IMDSv2 over IPv6: read ${imdsRequestPath(path)} (Windows PowerShell 5.1 or PowerShell 7).`,
    '# [fd00:ec2::254] answers only on Nitro instances in an IPv6 subnet with the IPv6 endpoint enabled.',
  ]);
}

/** IMDSv1 (no token), labelled legacy. */
export function powershellImdsV1(path: string, options: SnippetOptions = {}): string {
  const o = resolveOptions(options, IMDS_IPV4_ENDPOINT);
  const requestPath = imdsRequestPath(path);
  return [
    `# IMDSv1 (LEGACY, no token): read ${requestPath}.`,
    '# Works only while the instance allows IMDSv1 (HttpTokens=optional); instances that require IMDSv2',
    '# answer 401. Prefer the IMDSv2 snippet.',
    `Invoke-RestMethod -Uri ${powershellSingleQuote(o.endpoint + requestPath)} -TimeoutSec ${timeoutOf(o)} -UseBasicParsing -ErrorAction Stop`,
  ].join('\n') + '\n';
}
