// Is this process running on an EC2 instance? The DMI tables say so without any network traffic
// (Nitro: board_asset_tag is the instance ID, sys_vendor "Amazon EC2"; Xen: product_uuid or the
// hypervisor UUID starts with "ec2"), and a quick token PUT to IMDS confirms it can be reached.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImdsClient } from '../imds/client';
import { isImdsError } from '../imds/errors';
import type { Env } from '../imds/endpoint';

export interface Ec2Evidence {
  /** True when the DMI data or the probe says this is an EC2 instance. */
  onEc2: boolean;
  /** Human-readable reasons, e.g. `sys_vendor is "Amazon EC2"`. */
  evidence: string[];
  /** The instance ID, when board_asset_tag carries it (Nitro). */
  instanceId?: string;
  probe?: { reachable: boolean; endpoint: string; ms: number; error?: string };
}

export interface DetectEc2Options {
  /** Directory of DMI id files (default /sys/class/dmi/id); tests point it elsewhere. */
  dmiDir?: string;
  /** Xen hypervisor UUID file (default /sys/hypervisor/uuid). */
  hypervisorUuidFile?: string;
  /** Also ask IMDS (default false: reading files costs nothing, a probe costs up to timeoutMs). */
  probe?: boolean;
  /** Endpoint to probe (default: the same resolution as the client: env, then IPv4). */
  endpoint?: string;
  env?: Env;
  /** Total time the probe may take (default 1000 ms). */
  timeoutMs?: number;
}

async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    return undefined; // absent, or root-only (product_uuid is 0400)
  }
}

/** Reads the DMI evidence (no network). */
export async function readDmiEvidence(options: Pick<DetectEc2Options, 'dmiDir' | 'hypervisorUuidFile'> = {}): Promise<Omit<Ec2Evidence, 'probe'>> {
  const dir = options.dmiDir ?? '/sys/class/dmi/id';
  const [assetTag, vendor, productUuid, productName, biosVendor, hypervisorUuid] = await Promise.all([
    readTrimmed(path.join(dir, 'board_asset_tag')),
    readTrimmed(path.join(dir, 'sys_vendor')),
    readTrimmed(path.join(dir, 'product_uuid')),
    readTrimmed(path.join(dir, 'product_name')),
    readTrimmed(path.join(dir, 'bios_vendor')),
    readTrimmed(options.hypervisorUuidFile ?? '/sys/hypervisor/uuid'),
  ]);
  const evidence: string[] = [];
  let instanceId: string | undefined;
  if (assetTag && /^i-[0-9a-f]{8,17}$/.test(assetTag)) {
    evidence.push(`board_asset_tag is the instance ID ${assetTag}`);
    instanceId = assetTag;
  }
  if (vendor === 'Amazon EC2') evidence.push('sys_vendor is "Amazon EC2"');
  if (productUuid && /^ec2/i.test(productUuid)) evidence.push('product_uuid starts with "ec2"');
  if (hypervisorUuid && /^ec2/i.test(hypervisorUuid)) evidence.push('the Xen hypervisor UUID starts with "ec2"');
  if (biosVendor && /amazon/i.test(biosVendor) && evidence.length > 0) evidence.push(`bios_vendor is "${biosVendor}"`);
  if (productName && evidence.length > 0) evidence.push(`product_name is "${productName}"`);
  return { onEc2: evidence.length > 0, evidence, instanceId };
}

/** DMI evidence, and optionally a quick IMDS probe (one token PUT, falling back to one GET). */
export async function detectEc2(options: DetectEc2Options = {}): Promise<Ec2Evidence> {
  const result: Ec2Evidence = await readDmiEvidence(options);
  if (!options.probe) return result;
  const timeoutMs = options.timeoutMs ?? 1000;
  const client = new ImdsClient({
    endpoint: options.endpoint,
    env: options.env,
    // A token PUT that times out falls back to one GET: each gets half, so the total stays in budget.
    connectTimeoutMs: Math.min(500, timeoutMs / 2),
    requestTimeoutMs: timeoutMs / 2,
    tokenTimeoutMs: timeoutMs / 2,
    maxRetries: 0,
    maxConcurrency: 1,
  });
  const started = performance.now();
  try {
    const value = await client.get('/latest/meta-data/instance-id');
    result.probe = { reachable: true, endpoint: client.endpoint.origin, ms: Math.round(performance.now() - started) };
    result.onEc2 = true;
    result.evidence.push(`IMDS at ${client.endpoint.origin} answered (instance ${value.text.trim()})`);
    result.instanceId ??= value.text.trim();
  } catch (error) {
    // Any HTTP answer (even 401/403/404) means an IMDS is there; only silence means it is not.
    const answered = isImdsError(error) && error.status !== undefined;
    result.probe = { reachable: answered, endpoint: client.endpoint.origin, ms: Math.round(performance.now() - started), error: error instanceof Error ? error.message : String(error) };
    if (answered) {
      result.onEc2 = true;
      result.evidence.push(`IMDS at ${client.endpoint.origin} answered ${(error as { status?: number }).status}`);
    }
  } finally {
    await client.close();
  }
  return result;
}
