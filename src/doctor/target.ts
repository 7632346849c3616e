// What the doctor examines: an IMDS reachable over HTTP from this process (the instance's own
// link-local endpoints, the emulator, any IMDS-compatible URL), or a snapshot (taken through SSM,
// or loaded from a file) whose recorded statuses are all there is to go on.

import { ENV_ENDPOINT_MODE, IPV4_ENDPOINT, IPV6_ENDPOINT, parseEndpoint, type Env } from '../imds/endpoint';
import type { MetadataSource, Snapshot } from '../imds/types';

export type DoctorTarget = HttpTarget | SnapshotTarget;

export interface HttpTarget {
  kind: 'http';
  /** `instance`: the link-local endpoints of the machine this runs on. */
  where: 'instance' | 'emulator' | 'endpoint';
  label: string;
  endpoints: { ipv4?: string; ipv6?: string };
  /** Family the content checks read through when both answer. */
  primary: 'ipv4' | 'ipv6';
}

export interface SnapshotTarget {
  kind: 'snapshot';
  where: 'ssm' | 'file';
  label: string;
  /** The snapshot to read; when absent, `source.snapshot()` takes one. */
  snapshot?: Snapshot;
  source?: MetadataSource;
}

/** The instance's own IMDS: both link-local endpoints (overridable for tests in a namespace). */
export function instanceTarget(options: { env?: Env; ipv4?: string; ipv6?: string } = {}): HttpTarget {
  const env = options.env ?? process.env;
  const ipv6First = (env[ENV_ENDPOINT_MODE] ?? '').trim().toLowerCase() === 'ipv6';
  return {
    kind: 'http',
    where: 'instance',
    label: 'this instance',
    endpoints: { ipv4: options.ipv4 ?? IPV4_ENDPOINT, ipv6: options.ipv6 ?? IPV6_ENDPOINT },
    primary: ipv6First ? 'ipv6' : 'ipv4',
  };
}

function familyOf(origin: string): 'ipv4' | 'ipv6' {
  return new URL(origin).hostname.startsWith('[') ? 'ipv6' : 'ipv4';
}

/** One HTTP endpoint (the emulator, or any IMDS URL); the standard link-local URLs mean the instance. */
export function endpointTarget(url: string, where: 'emulator' | 'endpoint' = 'endpoint', label?: string): HttpTarget {
  const origin = parseEndpoint(url);
  if (where === 'endpoint' && (origin === IPV4_ENDPOINT || origin === IPV6_ENDPOINT)) {
    return { ...instanceTarget({ env: {} }), label: label ?? 'this instance', primary: origin === IPV6_ENDPOINT ? 'ipv6' : 'ipv4' };
  }
  const family = familyOf(origin);
  return {
    kind: 'http',
    where,
    label: label ?? (where === 'emulator' ? `emulator ${origin}` : origin),
    endpoints: family === 'ipv6' ? { ipv6: origin } : { ipv4: origin },
    primary: family,
  };
}

/** The target behind a MetadataSource: its HTTP endpoint for emulator/direct sources, else its snapshot. */
export function targetFromSource(source: MetadataSource): DoctorTarget {
  const endpoint = source.state?.().endpoint;
  if ((source.kind === 'emulator' || source.kind === 'direct') && endpoint) {
    // A direct source's label says "This instance", which a custom endpoint is not: keep the URL.
    return source.kind === 'emulator' ? endpointTarget(endpoint, 'emulator', source.label) : endpointTarget(endpoint, 'endpoint');
  }
  return { kind: 'snapshot', where: source.kind === 'ssm' ? 'ssm' : 'file', label: source.label, source };
}
