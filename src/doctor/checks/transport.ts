// The checks of the HTTP exchange itself: can this process reach IMDS (IPv4, IPv6, time to first
// byte), is IMDS turned on, does the IMDSv2 token PUT work, is IMDSv1 allowed or required, and is
// the hop limit too low for where this process runs. They decide how the content checks read.

import { TOKEN_PATH } from '../../imds/paths';
import { describeExchange, isThrottleStatus, probeWithRetry, type ProbeOptions } from '../probes';
import type { DoctorCheck, DoctorWhere, Exchange } from '../types';
import type { Fixes } from '../fixes';

export interface TransportInput {
  where: DoctorWhere;
  endpoints: { ipv4?: string; ipv6?: string };
  /** Which family to use for the rest when both answer. */
  primary: 'ipv4' | 'ipv6';
  probe: ProbeOptions & { retries: number; retryBaseMs: number };
  requestTimeoutMs: number;
  tokenTimeoutMs: number;
  tokenTtlSeconds: number;
  fixes: Fixes;
  /** The doctor also reads the EC2 API (a local EC2 endpoint wired to the emulator, or a real one). */
  ec2Api?: boolean;
}

export interface TransportResult {
  checks: DoctorCheck[];
  /** The endpoint the content checks read from, when one answered. */
  origin?: string;
  /** A token that works, when IMDSv2 works (never logged). */
  token?: string;
  /** A GET without a token answered 200. */
  v1Works: boolean;
  /** The token PUT works and its token is accepted. */
  v2Works: boolean;
  disabled: boolean;
  hopLimitTooLow: boolean;
  /** Why content reads cannot go on, when they cannot. */
  blockedReason?: string;
  /** Reachability per family, for the environment check (endpoint mode IPv6 with no IPv6). */
  reachable: { ipv4?: boolean; ipv6?: boolean };
}

const META = '/latest/meta-data/';
const FAMILY_TITLE = { ipv4: 'IPv4 endpoint reachable', ipv6: 'IPv6 endpoint reachable' } as const;

function throttleNote(throttled: number): string[] {
  return throttled > 0 ? [`${throttled} earlier attempt(s) were throttled (429/503) and retried`] : [];
}

export async function runTransportChecks(input: TransportInput): Promise<TransportResult> {
  const checks: DoctorCheck[] = [];
  const reachable: TransportResult['reachable'] = {};
  const firstGet: Partial<Record<'ipv4' | 'ipv6', { exchange: Exchange; throttled: number }>> = {};

  for (const family of ['ipv4', 'ipv6'] as const) {
    const origin = input.endpoints[family];
    const id = family === 'ipv4' ? 'reach-ipv4' : 'reach-ipv6';
    if (!origin) {
      const given = input.endpoints.ipv4 ?? input.endpoints.ipv6;
      checks.push({
        id, title: FAMILY_TITLE[family], status: 'skip',
        summary: `Not probed: only one endpoint was given (${given}), and it is ${family === 'ipv4' ? 'IPv6' : 'IPv4'}.`,
        evidence: [],
        advice: [family === 'ipv6' ? 'On an instance the doctor also probes http://[fd00:ec2::254]; run it there to check the IPv6 endpoint.' : 'On an instance the doctor also probes http://169.254.169.254.'],
      });
      continue;
    }
    const result = await probeWithRetry(origin, { method: 'GET', path: META, timeoutMs: input.requestTimeoutMs }, input.probe);
    const ex = result.exchange;
    firstGet[family] = { exchange: ex, throttled: result.throttled };
    reachable[family] = ex.outcome === 'answered';
    const evidence = [describeExchange(ex, { origin: true }), ...throttleNote(result.throttled)];
    if (ex.outcome === 'answered') {
      checks.push({
        id, title: FAMILY_TITLE[family], status: 'pass',
        summary: `IMDS answered at ${origin} (HTTP ${ex.status}), first byte after ${ex.firstByteMs} ms.`,
        evidence, advice: [],
      });
      continue;
    }
    if (family === 'ipv6' && input.where === 'instance') {
      // The IPv6 endpoint exists only on Nitro instances, and only when turned on: its absence is normal.
      checks.push({
        id, title: FAMILY_TITLE[family], status: 'info',
        summary: `No answer at ${origin}: the IPv6 endpoint is off, or this instance is not Nitro-based or has no IPv6 subnet.`,
        evidence,
        advice: [
          'Only programs configured for IPv6 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6) need it; the IPv4 endpoint serves the same data.',
          'To use it: an instance built on the Nitro System in a subnet with IPv6, and the endpoint turned on.',
        ],
        commands: [input.fixes.enableIpv6Endpoint],
      });
      continue;
    }
    const onInstance = input.where === 'instance';
    checks.push({
      id, title: FAMILY_TITLE[family], status: 'fail',
      summary: `No answer at ${origin} (${ex.outcome === 'timeout' ? 'connected, but no answer' : ex.outcome}).`,
      evidence,
      advice: onInstance
        ? [
            'Only the instance itself reaches its IMDS: run this on the instance (or through Remote-SSH / SSM), not on a laptop.',
            'On the instance, check that no firewall rule (iptables, nftables, Windows Firewall) blocks 169.254.169.254 for this user, and that no proxy intercepts it (NO_PROXY=169.254.169.254).',
            ex.outcome === 'timeout' ? 'A connection that opens but never answers is usually a proxy or a firewall that drops: compare with curl -v http://169.254.169.254/latest/meta-data/.' : 'A refused or unreachable address means nothing listens there from this network namespace (a container without a route to the host?).',
          ]
        : [`Check that the endpoint ${origin} is running and that the URL (host and port) is right.`],
      commands: onInstance ? [`curl -sv -m 2 ${origin}${META}`] : undefined,
    });
  }

  const primary = input.primary;
  const secondary = primary === 'ipv4' ? 'ipv6' : 'ipv4';
  const family = reachable[primary] ? primary : reachable[secondary] ? secondary : undefined;
  const base = { v1Works: false, v2Works: false, disabled: false, hopLimitTooLow: false, reachable };
  if (family === undefined) {
    const why = 'No endpoint answered, so nothing else could be checked.';
    for (const [id, title] of protocolTitles) checks.push({ id, title, status: 'skip', summary: why, evidence: [], advice: [] });
    return { ...base, checks, blockedReason: why };
  }

  const origin = input.endpoints[family]!;
  const get = firstGet[family]!.exchange;
  const put = await probeWithRetry(origin, { method: 'PUT', path: TOKEN_PATH, ttlSeconds: input.tokenTtlSeconds, timeoutMs: input.tokenTimeoutMs }, input.probe);
  const putEx = put.exchange;
  const putLine = `${describeExchange(putEx)}${putEx.outcome === 'timeout' ? ` (timeout set to ${input.tokenTimeoutMs} ms)` : ''}`;
  const putNotes = throttleNote(put.throttled);
  const getLine = describeExchange(get);

  let token: string | undefined;
  let tokenGet: Exchange | undefined;
  if (putEx.status === 200 && put.body) {
    const value = put.body.toString('utf8').trim();
    if (value !== '' && !/[\s\x00-\x1f]/.test(value)) {
      const verify = await probeWithRetry(origin, { method: 'GET', path: META, token: value, timeoutMs: input.requestTimeoutMs }, input.probe);
      tokenGet = verify.exchange;
      if (tokenGet.status === 200) token = value;
    }
  }
  const disabled = get.status === 403 && (putEx.status === 403 || putEx.outcome !== 'answered');
  const v1Works = get.status === 200;
  const v2Works = token !== undefined;
  const putTimedOut = putEx.outcome === 'timeout';
  const getAnswered = get.outcome === 'answered' && !isThrottleStatus(get.status);
  const hopLimitTooLow = putTimedOut && getAnswered;
  const fixes = input.fixes;
  const emulatorNote =
    input.where !== 'emulator'
      ? []
      : input.ec2Api
        ? ['This is the local emulator behind a local EC2 endpoint: Apply… on the EC2 check below changes it as EC2 would change an instance.']
        : ['This is the local emulator: the fix applies to a real instance; in the emulator, change the setting or fault instead.'];

  // IMDS turned on?
  if (disabled) {
    checks.push({
      id: 'imds-enabled', title: 'IMDS turned on', status: 'fail',
      summary: 'IMDS is turned off for this instance: every request answers 403 Forbidden.',
      evidence: [getLine, putLine],
      advice: [
        'Turn the metadata endpoint on (from a machine with EC2 API access); it takes effect within seconds, no restart needed.',
        'If it was turned off on purpose (a hardened instance), programs here cannot get instance-role credentials from IMDS: give them credentials another way.',
        ...emulatorNote,
      ],
      commands: [fixes.enableEndpoint, fixes.describeOptions],
    });
  } else {
    checks.push({
      id: 'imds-enabled', title: 'IMDS turned on', status: 'pass',
      summary: 'IMDS is on: it answers requests.',
      evidence: [getLine, putLine],
      advice: [],
    });
  }

  // IMDSv2 token.
  const tokenCheck = ((): DoctorCheck => {
    const title = 'IMDSv2 token (PUT /latest/api/token)';
    const evidence = [putLine, ...putNotes];
    if (tokenGet) evidence.push(describeExchange(tokenGet));
    if (disabled) return { id: 'imdsv2-token', title, status: 'skip', summary: 'IMDS is turned off (403): no tokens are issued.', evidence, advice: [] };
    if (v2Works) {
      const ttl = putEx.status === 200 ? ` (asked for a ${input.tokenTtlSeconds} s token)` : '';
      return { id: 'imdsv2-token', title, status: 'pass', summary: `The token PUT works and the token is accepted${ttl}.`, evidence, advice: [] };
    }
    if (putEx.status === 200) {
      return {
        id: 'imdsv2-token', title, status: 'fail',
        summary: `A token was issued but a GET with it answered ${tokenGet?.status ?? 'nothing'}.`,
        evidence,
        advice: ['Something between this process and IMDS changes or strips the X-aws-ec2-metadata-token header (a proxy?): bypass it with NO_PROXY=169.254.169.254,fd00:ec2::254.'],
      };
    }
    if (putTimedOut) {
      return {
        id: 'imdsv2-token', title, status: 'fail',
        summary: `The token PUT got no answer within ${input.tokenTimeoutMs} ms${hopLimitTooLow ? ' while GETs are answered: see the hop limit check' : ''}.`,
        evidence,
        advice: hopLimitTooLow ? ['See "PUT response hop limit" below.'] : ['IMDS accepted the connection but did not answer the PUT: check for a proxy or firewall in between.'],
      };
    }
    if (isThrottleStatus(putEx.status)) {
      return { id: 'imdsv2-token', title, status: 'warn', summary: `The token PUT was throttled (${putEx.status}) on every attempt.`, evidence, advice: ['See the throttling check below.'] };
    }
    if (putEx.status === 403) {
      return {
        id: 'imdsv2-token', title, status: 'fail',
        summary: 'The token PUT was refused (403) while GETs are answered: a proxy is probably in between.',
        evidence,
        advice: [
          'IMDS refuses token PUTs that carry an X-Forwarded-For header, which proxies add. Make IMDS traffic bypass the proxy: NO_PROXY=169.254.169.254,fd00:ec2::254 (and no_proxy for curl).',
          'Tokens are issued only at /latest/api/token, never under a dated version such as /2021-03-23/api/token.',
        ],
        commands: ['env | grep -i _proxy'],
      };
    }
    if (putEx.status === 404 || putEx.status === 405) {
      return {
        id: 'imdsv2-token', title, status: 'fail',
        summary: `This endpoint offers no IMDSv2 tokens (the PUT answered ${putEx.status}): only IMDSv1 works.`,
        evidence,
        advice: [
          'Every EC2 instance offers IMDSv2, so something else answers here: an old IMDS mock or proxy. Update it, or point programs at the real endpoint.',
          'SDKs treat 403/404/405 on the PUT as "no IMDSv2" and fall back to IMDSv1; with AWS_EC2_METADATA_V1_DISABLED=true (or tokens required) they fail instead.',
        ],
      };
    }
    if (putEx.status === 400) {
      return { id: 'imdsv2-token', title, status: 'fail', summary: 'The token PUT was rejected as invalid (400).', evidence, advice: ['The TTL header must be 1..21600 seconds; a proxy may have altered the request: bypass it with NO_PROXY.'] };
    }
    return {
      id: 'imdsv2-token', title, status: 'fail',
      summary: putEx.outcome === 'answered' ? `The token PUT answered an unexpected ${putEx.status}.` : `The token PUT failed (${putEx.outcome}).`,
      evidence,
      advice: ['Something other than IMDS may be answering here: check the endpoint and proxies (NO_PROXY=169.254.169.254,fd00:ec2::254).'],
    };
  })();
  checks.push(tokenCheck);

  // IMDSv1 allowed or required.
  const v1Check = ((): DoctorCheck => {
    const title = 'IMDSv1 (GET without a token)';
    const evidence = [getLine, ...throttleNote(firstGet[family]!.throttled)];
    if (disabled) return { id: 'imdsv1', title, status: 'skip', summary: 'IMDS is turned off (403).', evidence, advice: [] };
    if (get.status === 401) {
      return {
        id: 'imdsv1', title, status: 'pass',
        summary: 'IMDSv2 is required: a GET without a token answers 401 (http-tokens required).',
        evidence,
        advice: v2Works ? [] : ['Programs here need a token, and none could be had: fix the token check above first.'],
      };
    }
    if (v1Works && v2Works) {
      return {
        id: 'imdsv1', title, status: 'warn',
        summary: 'IMDSv1 is allowed: a GET without a token answers 200 (http-tokens optional).',
        evidence,
        advice: [
          'Require IMDSv2 once every program here uses tokens (current AWS SDKs and the AWS CLI do); the CloudWatch metric MetadataNoToken counts the tokenless calls still made.',
          'Requiring tokens shuts out the classic SSRF path to the role credentials: a tokenless GET relayed by a vulnerable web app.',
          ...emulatorNote,
        ],
        commands: [fixes.requireTokens],
        snippets: ['bash-imdsv2'],
      };
    }
    if (v1Works) {
      return {
        id: 'imdsv1', title, status: 'warn',
        summary: 'Only IMDSv1 works from here: programs read without a token.',
        evidence,
        advice: [
          hopLimitTooLow
            ? 'SDKs get by on IMDSv1 here only after their token PUT times out (about 1 s per attempt in botocore and the JavaScript SDK), so every credential refresh is slow; raising the hop limit fixes both.'
            : 'SDKs fall back to IMDSv1 when the token PUT fails; once IMDSv2 is required or AWS_EC2_METADATA_V1_DISABLED is set, they fail instead. Fix the token check above.',
        ],
      };
    }
    if (isThrottleStatus(get.status)) return { id: 'imdsv1', title, status: 'warn', summary: `Could not tell: the GET was throttled (${get.status}).`, evidence, advice: ['See the throttling check below.'] };
    return { id: 'imdsv1', title, status: 'info', summary: `A GET without a token answered ${get.status}.`, evidence, advice: [] };
  })();
  checks.push(v1Check);

  // Hop limit.
  const hopCheck = ((): DoctorCheck => {
    const title = 'PUT response hop limit';
    const evidence = [putLine, getLine];
    if (disabled) return { id: 'hop-limit', title, status: 'skip', summary: 'IMDS is turned off (403).', evidence, advice: [] };
    if (hopLimitTooLow) {
      return {
        id: 'hop-limit', title, status: 'fail',
        summary: `Hop limit too low for where this runs: the token PUT timed out after ${input.tokenTimeoutMs} ms while a GET without a token answered ${get.status}.`,
        evidence,
        advice: [
          'The token answer leaves IMDS with an IP TTL equal to the hop limit (1 by default); each extra hop (a container on a bridge network, a nested VM) uses one up, so the answer dies on the way. AWS recommends 2 for containers.',
          'Raise the hop limit to 2 (from a machine with EC2 API access; no restart needed), or run the container with host networking.',
          ...emulatorNote,
        ],
        commands: [fixes.raiseHopLimit, fixes.describeOptions],
        snippets: ['bash-imdsv2-container'],
      };
    }
    if (putEx.outcome === 'answered' && !isThrottleStatus(putEx.status)) {
      return {
        id: 'hop-limit', title, status: 'pass',
        summary: `The token PUT's answer (${putEx.status}) reached this process: the hop limit is enough for where it runs.`,
        evidence,
        advice: input.where === 'instance' ? ['Containers on this instance are one hop further away: if they read IMDS, they need a hop limit of 2.'] : [],
      };
    }
    return { id: 'hop-limit', title, status: 'skip', summary: putTimedOut ? 'The token PUT timed out, but GETs are not answered either: not a hop-limit problem alone.' : 'The token PUT got no usable answer; the hop limit cannot be judged.', evidence, advice: [] };
  })();
  checks.push(hopCheck);

  let blockedReason: string | undefined;
  if (disabled) blockedReason = 'IMDS is turned off (403): there is nothing to read.';
  else if (!v2Works && !v1Works) blockedReason = `No way to read: no IMDSv2 token could be had and a GET without a token answered ${get.status || get.outcome}.`;
  return { checks, origin, token, v1Works, v2Works, disabled, hopLimitTooLow, blockedReason, reachable };
}

const protocolTitles: [DoctorCheck['id'], string][] = [
  ['imds-enabled', 'IMDS turned on'],
  ['imdsv2-token', 'IMDSv2 token (PUT /latest/api/token)'],
  ['imdsv1', 'IMDSv1 (GET without a token)'],
  ['hop-limit', 'PUT response hop limit'],
];
