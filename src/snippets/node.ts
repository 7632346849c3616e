// Node snippets with the built-in fetch (Node 18 or later), no packages. They use neither
// `import` nor `require`, so they run as a CommonJS or an ES module file alike.

import { jsStringLiteral } from './quote';
import { IMDS_IPV4_ENDPOINT, IMDS_IPV6_ENDPOINT, imdsRequestPath, resolveOptions, type SnippetOptions } from './options';

function v2Script(path: string, options: SnippetOptions, defaultEndpoint: string, header: string[]): string {
  const o = resolveOptions(options, defaultEndpoint);
  const paths = [path, ...(options.extraPaths ?? [])].map(imdsRequestPath);
  const timeoutMs = Math.round(o.requestTimeoutSeconds * 1000);
  const reads =
    paths.length === 1
      ? [`  process.stdout.write(await imdsGet(token, ${jsStringLiteral(paths[0])}));`]
      : [
          `  for (const path of [${paths.map(jsStringLiteral).join(', ')}]) {`,
          '    process.stdout.write(await imdsGet(token, path));',
          '    process.stdout.write("\\n");',
          '  }',
        ];
  return [
    ...header,
    `const IMDS_ENDPOINT = ${jsStringLiteral(o.endpoint)};`,
    `const IMDS_TIMEOUT_MS = ${timeoutMs};`,
    '',
    `async function imdsToken(ttlSeconds = ${o.tokenTtlSeconds}) {`,
    '  const response = await fetch(IMDS_ENDPOINT + "/latest/api/token", {',
    '    method: "PUT",',
    '    headers: { "X-aws-ec2-metadata-token-ttl-seconds": String(ttlSeconds) },',
    '    signal: AbortSignal.timeout(IMDS_TIMEOUT_MS),',
    '  });',
    '  // fetch does not throw on HTTP errors: check, or an error page becomes the token.',
    '  if (!response.ok) throw new Error(`IMDSv2 token request failed: HTTP ${response.status} (403: IMDS disabled)`);',
    '  return response.text();',
    '}',
    '',
    'async function imdsGet(token, path) {',
    '  const response = await fetch(IMDS_ENDPOINT + path, {',
    '    headers: { "X-aws-ec2-metadata-token": token },',
    '    signal: AbortSignal.timeout(IMDS_TIMEOUT_MS),',
    '  });',
    '  if (!response.ok) throw new Error(`IMDS answered HTTP ${response.status} for ${path} (401: token missing or expired, 404: no such path)`);',
    '  return Buffer.from(await response.arrayBuffer());',
    '}',
    '',
    '(async () => {',
    '  const token = await imdsToken(); // one token for every read until its TTL ends',
    ...reads,
    '})().catch((error) => {',
    '  console.error(`IMDS: ${error.cause?.message ?? error.message} (endpoint ${IMDS_ENDPOINT})`);',
    '  process.exitCode = 1;',
    '});',
  ].join('\n') + '\n';
}

/** IMDSv2 read of `path` (and `extraPaths`) with one token, over IPv4. */
export function nodeImdsV2(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV4_ENDPOINT, [
    `// IMDSv2 (session token): read ${imdsRequestPath(path)} with Node's built-in fetch (Node >= 18).`,
  ]);
}

/** The same over the IPv6 endpoint. */
export function nodeImdsV2Ipv6(path: string, options: SnippetOptions = {}): string {
  return v2Script(path, options, IMDS_IPV6_ENDPOINT, [
    `// IMDSv2 over IPv6: read ${imdsRequestPath(path)} with Node's built-in fetch (Node >= 18).`,
    '// [fd00:ec2::254] answers only on Nitro instances in an IPv6 subnet with the IPv6 endpoint enabled.',
  ]);
}
