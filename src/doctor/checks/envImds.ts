// Environment variables that change how the AWS SDKs and CLI talk to IMDS: AWS_EC2_METADATA_*, the
// CLI's timeout and attempts, and HTTP proxies (a proxy adds X-Forwarded-For, which IMDS refuses
// on the token PUT). Read from an env given as input so tests are hermetic.

import {
  ENV_DISABLED,
  ENV_ENDPOINT,
  ENV_ENDPOINT_MODE,
  ENV_V1_DISABLED,
  EndpointConfigError,
  envFlag,
  parseEndpoint,
  parseEndpointMode,
  type Env,
} from '../../imds/endpoint';
import type { DoctorCheck, DoctorWhere } from '../types';

export interface EnvImdsInput {
  env: Env;
  where: DoctorWhere;
  /** What the transport checks found, when they ran. */
  transport?: { v1Works: boolean; v2Works: boolean; reachable: { ipv4?: boolean; ipv6?: boolean }; origin?: string };
  notApplicable?: string;
}

const IMDS_HOSTS = ['169.254.169.254', 'fd00:ec2::254', '[fd00:ec2::254]'];

/** True when a NO_PROXY value covers the IMDS address (exact, bracketed, `*`, or 169.254.0.0/16). */
export function noProxyCovers(value: string, host: string): boolean {
  return value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .some((item) => item === '*' || item === host || item === `[${host}]` || (item === '169.254.0.0/16' && host.startsWith('169.254.')));
}

export function runEnvImdsCheck(input: EnvImdsInput): DoctorCheck {
  const title = 'Environment variables that change IMDS access';
  if (input.notApplicable) return { id: 'env-imds', title, status: 'skip', summary: input.notApplicable, evidence: [], advice: ['Run imds doctor on the instance itself to check this.'] };
  const { env } = input;
  const evidence: string[] = [];
  const problems: { status: 'fail' | 'warn'; summary: string; advice: string }[] = [];
  const notes: string[] = [];
  const value = (name: string) => {
    const v = env[name];
    return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  };

  const disabled = value(ENV_DISABLED);
  if (disabled !== undefined) {
    evidence.push(`${ENV_DISABLED}=${disabled}`);
    if (envFlag(disabled)) {
      problems.push({ status: 'fail', summary: `${ENV_DISABLED}=${disabled}: the AWS SDKs and CLI here never ask IMDS, so the instance role and region are not used.`, advice: `Unset ${ENV_DISABLED} (unset ${ENV_DISABLED}) unless the role is meant to be off-limits to these programs.` });
    }
  }
  const v1Disabled = value(ENV_V1_DISABLED);
  if (v1Disabled !== undefined) {
    evidence.push(`${ENV_V1_DISABLED}=${v1Disabled}`);
    if (envFlag(v1Disabled) && input.transport && !input.transport.v2Works && input.transport.v1Works) {
      problems.push({ status: 'fail', summary: `${ENV_V1_DISABLED}=${v1Disabled} while only IMDSv1 works from here: SDKs refuse to fall back and get nothing.`, advice: 'Fix IMDSv2 access (see the token and hop limit checks), or unset the variable for now.' });
    } else if (envFlag(v1Disabled)) {
      notes.push(`${ENV_V1_DISABLED} is on: SDKs never fall back to IMDSv1 (good, as long as IMDSv2 works).`);
    }
  }
  const endpoint = value(ENV_ENDPOINT);
  if (endpoint !== undefined) {
    evidence.push(`${ENV_ENDPOINT}=${endpoint}`);
    try {
      const origin = parseEndpoint(endpoint, ENV_ENDPOINT);
      const standard = origin === 'http://169.254.169.254' || origin === 'http://[fd00:ec2::254]';
      if (input.where === 'instance' && !standard) {
        problems.push({ status: 'warn', summary: `${ENV_ENDPOINT} points SDKs at ${origin}, not at this instance's IMDS.`, advice: `Unset ${ENV_ENDPOINT} unless a local IMDS proxy or emulator is meant to answer.` });
      } else if (input.transport?.origin && origin !== input.transport.origin) {
        notes.push(`SDKs here read IMDS at ${origin}; the doctor checked ${input.transport.origin}.`);
      }
    } catch (error) {
      const message = error instanceof EndpointConfigError ? error.message : String(error);
      problems.push({ status: 'fail', summary: `${ENV_ENDPOINT} is not a usable URL: ${message}`, advice: `Fix or unset ${ENV_ENDPOINT}, e.g. http://169.254.169.254.` });
    }
  }
  const mode = value(ENV_ENDPOINT_MODE);
  if (mode !== undefined) {
    evidence.push(`${ENV_ENDPOINT_MODE}=${mode}`);
    try {
      const parsed = parseEndpointMode(mode);
      if (parsed === 'IPv6' && endpoint === undefined && input.where === 'instance' && input.transport && input.transport.reachable.ipv6 === false) {
        problems.push({ status: 'fail', summary: `${ENV_ENDPOINT_MODE}=IPv6, but the IPv6 endpoint does not answer: SDKs here get nothing from IMDS.`, advice: 'Turn the IPv6 endpoint on (see the IPv6 check) or unset the variable to use IPv4.' });
      }
    } catch (error) {
      problems.push({ status: 'fail', summary: error instanceof Error ? error.message : String(error), advice: `Set ${ENV_ENDPOINT_MODE} to IPv4 or IPv6, or unset it.` });
    }
  }
  for (const name of ['AWS_METADATA_SERVICE_TIMEOUT', 'AWS_METADATA_SERVICE_NUM_ATTEMPTS']) {
    const v = value(name);
    if (v !== undefined) {
      evidence.push(`${name}=${v}`);
      notes.push(`${name} changes how long the AWS CLI and Python SDK wait for IMDS (defaults: 1 s, 1 attempt).`);
    }
  }
  // Proxies: curl and the Python SDK send IMDS requests through them unless NO_PROXY says otherwise.
  const proxyNames = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'].filter((n) => value(n) !== undefined);
  if (proxyNames.length > 0) {
    const noProxy = [value('NO_PROXY'), value('no_proxy')].filter((v): v is string => v !== undefined).join(',');
    evidence.push(`${proxyNames.join(', ')} set; NO_PROXY/no_proxy=${noProxy || '(unset)'}`);
    if (!noProxyCovers(noProxy, IMDS_HOSTS[0])) {
      problems.push({
        status: 'warn',
        summary: 'An HTTP proxy is set and NO_PROXY does not list 169.254.169.254: curl and the AWS CLI / Python SDK may send IMDS requests through the proxy.',
        advice: 'Add the IMDS addresses to NO_PROXY and no_proxy: export NO_PROXY=169.254.169.254,fd00:ec2::254,$NO_PROXY (a proxy adds X-Forwarded-For, and IMDS refuses such token requests with 403).',
      });
    }
  }

  if (evidence.length === 0) {
    return {
      id: 'env-imds', title, status: 'pass',
      summary: 'No variable here changes IMDS access: SDKs use their defaults (http://169.254.169.254, IMDSv2 with IMDSv1 fallback where allowed).',
      evidence: [`none of ${ENV_DISABLED}, ${ENV_V1_DISABLED}, ${ENV_ENDPOINT}, ${ENV_ENDPOINT_MODE}, AWS_METADATA_SERVICE_TIMEOUT/NUM_ATTEMPTS or *_PROXY is set`],
      advice: [],
    };
  }
  const worst = problems.some((p) => p.status === 'fail') ? 'fail' : problems.length > 0 ? 'warn' : 'info';
  return {
    id: 'env-imds', title, status: worst,
    summary: problems.length > 0 ? problems.map((p) => p.summary).join(' ') : 'Variables that change IMDS access are set; none is a problem here.',
    evidence,
    advice: [...problems.map((p) => p.advice), ...notes],
  };
}
