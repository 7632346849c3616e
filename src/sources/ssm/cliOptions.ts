// The `imds` CLI's SSM options: `--ssm INSTANCE_ID` with `--profile`, `--region`, `--ssm-endpoint
// URL` (the SSM API endpoint override), `--ssm-timeout SECONDS`, `--platform linux|windows` and
// `--ssm-transport auto|session|run-command`.
// src/cli/imds.ts hands its unknown options here from createSourceFromArgs; the IMDS options it
// knows keep their meaning, seen from the instance (--endpoint, --ipv6).

import { takeValue } from '../../cli/options';
import { IPV6_ENDPOINT } from '../../imds/endpoint';
import { SsmSource } from './ssmSource';
import { parseTransportChoice } from './transport';

export const SSM_USAGE = `SSM (read a remote instance through AWS Systems Manager):
  --ssm INSTANCE_ID      read that instance's metadata with one Session Manager session or Run Command
  --profile NAME         AWS profile (~/.aws/config; SSO profiles too; default: standard chain)
  --region REGION        AWS Region of the instance (default: profile, then AWS_REGION)
  --ssm-endpoint URL     SSM API endpoint override (VPC endpoint, test endpoint)
  --ssm-timeout SECONDS  longest wait for the command (default 60)
  --platform linux|windows  script to run (default linux; windows runs PowerShell)
  --ssm-transport auto|session|run-command  how to reach the instance (default auto: a session,
                         else Run Command when sessions are denied, missing, blocked or KMS fails)
  With --ssm, --endpoint and --ipv6 name the IMDS endpoint as the instance sees it.`;

export interface SsmCliInput {
  /** Options src/cli/imds.ts did not know (name -> value, or true for a bare flag). Used ones are deleted. */
  extra: Map<string, string | true>;
  /** IMDS endpoint option (--endpoint), as the instance should see it. */
  endpoint?: string;
  ipv6: boolean;
  showSecrets: boolean;
  /** Options that make no sense through SSM (e.g. --v1, --timeout), to refuse with a reason. */
  unsupported: string[];
  log?: (line: string) => void;
}

const SSM_OPTIONS = ['ssm', 'profile', 'region', 'ssm-endpoint', 'ssm-timeout', 'platform', 'ssm-transport'];

/** An SsmSource when --ssm is given; undefined otherwise. Throws Error with a usage message on bad input. */
export function ssmSourceFromCli(input: SsmCliInput): SsmSource | undefined {
  // Read, not taken: all SSM options are taken together below, once the source is sure.
  const value = (name: string): string | undefined => takeValue(input.extra, name, false);
  const instanceId = value('ssm');
  if (instanceId === undefined) {
    const stray = SSM_OPTIONS.find((name) => input.extra.has(name));
    if (stray) throw new Error(`--${stray} is an SSM option: add --ssm INSTANCE_ID.`);
    return undefined;
  }
  if (input.unsupported.length > 0) {
    throw new Error(`${input.unsupported.map((o) => `--${o}`).join(', ')} cannot be used with --ssm: the script on the instance uses IMDSv2 and falls back to IMDSv1 like the client, with its own timeouts.`);
  }
  if (input.endpoint !== undefined && input.ipv6) throw new Error('--endpoint and --ipv6 both choose the endpoint: give one.');
  const timeoutText = value('ssm-timeout');
  const timeout = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 172800)) {
    throw new Error(`--ssm-timeout must be whole seconds from 1 to 172800 (got "${timeoutText}").`);
  }
  const platform = value('platform') ?? 'linux';
  if (platform !== 'linux' && platform !== 'windows') throw new Error(`--platform must be linux or windows (got "${platform}").`);
  const transportText = value('ssm-transport') ?? 'auto';
  const transport = ['auto', 'session', 'run-command'].includes(transportText) ? parseTransportChoice(transportText) : undefined;
  if (!transport) throw new Error(`--ssm-transport must be auto, session or run-command (got "${transportText}").`);
  const region = value('region');
  const profile = value('profile');
  const ssmEndpoint = value('ssm-endpoint');
  for (const name of SSM_OPTIONS) input.extra.delete(name);
  const [unknown] = input.extra.keys();
  if (unknown !== undefined) throw new Error(`Unknown option --${unknown}. See imds --help.`);
  return new SsmSource({
    instanceId,
    region,
    profile,
    endpoint: ssmEndpoint,
    imdsEndpoint: input.ipv6 ? IPV6_ENDPOINT : input.endpoint,
    commandTimeoutSeconds: timeout,
    platform,
    revealSecrets: input.showSecrets,
    transport,
    log: input.log,
    onProgress: input.log ? (state, detail) => input.log!(`ssm ${instanceId}: ${state}: ${detail}`) : undefined,
  });
}
