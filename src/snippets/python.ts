// Python 3 snippets using only the standard library (urllib). The opener has no proxy handler:
// urllib would otherwise honour http_proxy and send metadata requests (and the token) to a proxy.

import { pythonStringLiteral } from './quote';
import { IMDS_IPV4_ENDPOINT, IMDS_IPV6_ENDPOINT, imdsRequestPath, resolveOptions, type SnippetOptions } from './options';

function v2Script(path: string, options: SnippetOptions, defaultEndpoint: string, header: string[]): string {
  const o = resolveOptions(options, defaultEndpoint);
  const paths = [path, ...(options.extraPaths ?? [])].map(imdsRequestPath);
  const reads =
    paths.length === 1
      ? [`    sys.stdout.buffer.write(imds_get(token, ${pythonStringLiteral(paths[0])}))`]
      : [
          `    for path in [${paths.map(pythonStringLiteral).join(', ')}]:`,
          '        sys.stdout.buffer.write(imds_get(token, path) + b"\\n")',
        ];
  return [
    ...header,
    'import sys',
    'import urllib.error',
    'import urllib.request',
    '',
    `IMDS_ENDPOINT = ${pythonStringLiteral(o.endpoint)}`,
    `TIMEOUT_SECONDS = ${o.requestTimeoutSeconds}`,
    '# An empty ProxyHandler: metadata requests (and the token) must never go through an http_proxy.',
    'imds_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))',
    '',
    '',
    `def imds_token(ttl_seconds=${o.tokenTtlSeconds}):`,
    '    request = urllib.request.Request(',
    '        IMDS_ENDPOINT + "/latest/api/token",',
    '        method="PUT",',
    '        headers={"X-aws-ec2-metadata-token-ttl-seconds": str(ttl_seconds)},',
    '    )',
    '    # open() raises HTTPError on 4xx/5xx, so an error page is never taken as the token.',
    '    with imds_opener.open(request, timeout=TIMEOUT_SECONDS) as response:',
    '        return response.read().decode("ascii")',
    '',
    '',
    'def imds_get(token, path):',
    '    request = urllib.request.Request(IMDS_ENDPOINT + path, headers={"X-aws-ec2-metadata-token": token})',
    '    with imds_opener.open(request, timeout=TIMEOUT_SECONDS) as response:',
    '        return response.read()',
    '',
    '',
    'try:',
    '    token = imds_token()  # one token for every read until its TTL ends',
    ...reads,
    'except urllib.error.HTTPError as error:',
    '    sys.exit(f"IMDS answered HTTP {error.code} {error.reason} (401: token missing or expired, 403: IMDS disabled, 404: no such path)")',
    'except OSError as error:  # URLError, timeouts, refused connections',
    '    sys.exit(f"IMDS not reachable at {IMDS_ENDPOINT}: {error} (not on EC2, or hop limit too low in a container)")',
  ].join('\n') + '\n';
}

/** IMDSv2 read of `path` (and `extraPaths`) with one token, over IPv4. */
export function pythonImdsV2(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV4_ENDPOINT, [
    `# IMDSv2 (session token): read ${imdsRequestPath(path)} with the Python 3 standard library.`,
  ]);
}

/** The same over the IPv6 endpoint. */
export function pythonImdsV2Ipv6(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV6_ENDPOINT, [
    `# IMDSv2 over IPv6: read ${imdsRequestPath(path)} with the Python 3 standard library.`,
    '# [fd00:ec2::254] answers only on Nitro instances in an IPv6 subnet with the IPv6 endpoint enabled.',
  ]);
}
