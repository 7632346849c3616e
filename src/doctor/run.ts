// runDoctor: every check against one target, in an order where each can use what the earlier
// ones found (the transport decides how the content checks read). No vscode: the CLI, the
// extension and the tests call it alike.

import * as os from 'node:os';
import { readDmiEvidence, type Ec2Evidence } from '../sources/detectEc2';
import type { Env } from '../imds/endpoint';
import { isImdsError } from '../imds/errors';
import { isSsmError } from '../sources/ssm/errors';
import type { Snapshot } from '../imds/types';
import type { InstanceSettings } from '../aws/ec2/types';
import { runCredentialChainCheck } from './checks/credentialChain';
import { runEc2Checks, type ObservedImds } from './checks/ec2Settings';
import { runEnvImdsCheck } from './checks/envImds';
import { runEventChecks } from './checks/events';
import { runIamChecks } from './checks/iam';
import { runLocationCheck } from './checks/location';
import { runThrottlingCheck } from './checks/throttling';
import { runTransportChecks, type TransportResult } from './checks/transport';
import { runUserDataCheck } from './checks/userData';
import { fixesFor } from './fixes';
import { DOCTOR_DEADLINE_CODE, isThrottleStatus, probe, type ProbeOptions } from './probes';
import { HttpTreeReader, SnapshotTreeReader, type TreeReader } from './reader';
import type { DoctorTarget, HttpTarget, SnapshotTarget } from './target';
import type { CheckId, CheckStatus, DoctorCheck, DoctorReport, Exchange } from './types';

export interface DoctorOptions {
  /** Environment of the programs in question (default process.env). */
  env?: Env;
  /** Home directory whose ~/.aws is read (default os.homedir()). */
  homeDir?: string;
  /** Default 1000 ms. */
  connectTimeoutMs?: number;
  /** Time for a GET to be answered (default 3000 ms). */
  requestTimeoutMs?: number;
  /** Time for the token PUT to be answered before it counts as lost (default 2000 ms). */
  tokenTimeoutMs?: number;
  /** TTL the doctor asks for its own short-lived token (default 300 s). */
  tokenTtlSeconds?: number;
  /** Retries of a throttled (429/503) request (default 3). */
  retries?: number;
  retryBaseMs?: number;
  /** Total time for the whole run (default 60,000 ms): later probes are cut short, not waited on. */
  totalTimeoutMs?: number;
  /** Sequential GETs made to look for throttling (default 10; 0 for none). */
  throttleSample?: number;
  /** Where DMI evidence comes from (default: /sys/class/dmi/id); tests give a fixed answer. */
  ec2Evidence?: () => Promise<Ec2Evidence>;
  now?: () => number;
  /** Told the title of each stage as it starts, for a progress indicator. */
  onProgress?: (stage: string) => void;
  /** The EC2 API, when credentials allow: the doctor then compares configured with observed. */
  ec2?: Ec2Access;
}

/** How the doctor reads an instance's settings from the EC2 API (src/aws/ec2, loaded lazily by the caller). */
export interface Ec2Access {
  /** The instance to ask about; default: the instance id IMDS reports. */
  instanceId?: string;
  /** Reads the settings; a missing permission is part of the answer, other failures throw. */
  read(instanceId: string): Promise<InstanceSettings>;
}

/** Report order: where it ran, the HTTP exchange, the environment, IAM, then the instance's data. */
const ORDER: CheckId[] = [
  'location', 'reach-ipv4', 'reach-ipv6', 'imds-enabled', 'imdsv2-token', 'imdsv1', 'hop-limit', 'throttling', 'env-imds',
  'iam-role', 'iam-credentials', 'iam-cached-credentials', 'credential-chain', 'user-data-size', 'spot-interruption', 'rebalance', 'scheduled-events',
  'ec2-settings', 'ec2-tokens', 'ec2-hop-limit', 'ec2-role-association', 'ec2-account-defaults',
];

/** The EC2 checks: settings read for the instance (given, or the one IMDS named), compared with what was seen. */
async function ec2Checks(access: Ec2Access, seenInstanceId: string | undefined, observed: ObservedImds, iam: { rolePresent: boolean; credentialsLastUpdated?: string }, fixes: ReturnType<typeof fixesFor>, now: number): Promise<DoctorCheck[]> {
  const instanceId = access.instanceId ?? seenInstanceId;
  const common = { observed, rolePresent: iam.rolePresent, credentialsLastUpdated: iam.credentialsLastUpdated, fixes, now };
  if (!instanceId) return runEc2Checks({ ...common, notAsked: 'no instance id: IMDS did not give one; name it (--instance ID).' });
  try {
    return runEc2Checks({ ...common, settings: await access.read(instanceId) });
  } catch (error) {
    const remedy = (error as { remedy?: unknown }).remedy;
    return runEc2Checks({ ...common, notAsked: `${error instanceof Error ? error.message : String(error)}${typeof remedy === 'string' ? ` ${remedy}` : ''}` });
  }
}

function finish(target: DoctorTarget, ranOn: string, instanceId: string | undefined, started: number, startedAt: Date, checks: DoctorCheck[], exchanges: Exchange[]): DoctorReport {
  checks.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
  // Optional lists are absent rather than undefined or empty, so the report is the same after JSON.
  for (const check of checks) {
    if (!check.commands?.length) delete check.commands;
    if (!check.snippets?.length) delete check.snippets;
  }
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, info: 0, skip: 0 };
  for (const check of checks) counts[check.status]++;
  const report: DoctorReport = {
    format: 'imds-doctor-report',
    version: 1,
    target: { where: target.where, label: target.label, ...(target.kind === 'http' ? { endpoints: target.endpoints } : {}) },
    ranOn,
    startedAt: startedAt.toISOString(),
    elapsedMs: Math.round(performance.now() - started),
    verdict: counts.fail > 0 ? 'fail' : counts.warn > 0 ? 'warn' : 'pass',
    counts,
    checks,
    exchanges,
  };
  if (instanceId) report.instanceId = instanceId;
  return report;
}

async function readInstanceId(reader: TreeReader | undefined): Promise<string | undefined> {
  if (!reader) return undefined;
  const read = await reader.read('/latest/meta-data/instance-id');
  const text = read.status === 200 ? read.body?.toString('utf8').trim() : undefined;
  return text && /^i-[0-9a-f]{8,17}$/.test(text) ? text : undefined;
}

export async function runDoctor(target: DoctorTarget, options: DoctorOptions = {}): Promise<DoctorReport> {
  return target.kind === 'http' ? runHttpDoctor(target, options) : runSnapshotDoctor(target, options);
}

async function runHttpDoctor(target: HttpTarget, options: DoctorOptions): Promise<DoctorReport> {
  const startedAt = new Date();
  const started = performance.now();
  const now = options.now ?? Date.now;
  const env = options.env ?? process.env;
  const exchanges: Exchange[] = [];
  const gaveUp: Exchange[] = [];
  const requestTimeoutMs = options.requestTimeoutMs ?? 3000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 60_000;
  if (!(totalTimeoutMs > 0 && totalTimeoutMs <= 2 ** 31 - 1)) throw new RangeError(`The doctor's total timeout must be 1..${2 ** 31 - 1} ms (got ${totalTimeoutMs}).`);
  const deadlineAt = Date.now() + totalTimeoutMs;
  const probeOptions = {
    deadlineAt,
    connectTimeoutMs: options.connectTimeoutMs ?? 1000,
    record: (e: Exchange) => exchanges.push(e),
    onGiveUp: (e: Exchange) => gaveUp.push(e),
    retries: options.retries ?? 3,
    retryBaseMs: options.retryBaseMs ?? 200,
  };
  const progress = options.onProgress ?? (() => undefined);

  const ec2Promise = target.where === 'emulator' ? Promise.resolve(undefined) : (options.ec2Evidence ?? (() => readDmiEvidence()))();

  progress('Probing the IMDS endpoints');
  // Commands need the instance ID, which only a read can give; fixes are rebuilt once it is known.
  const transport: TransportResult = await runTransportChecks({
    where: target.where,
    endpoints: target.endpoints,
    primary: target.primary,
    probe: probeOptions,
    requestTimeoutMs,
    tokenTimeoutMs: options.tokenTimeoutMs ?? 2000,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 300,
    fixes: fixesFor(undefined),
    ec2Api: options.ec2 !== undefined,
  });
  const reader = transport.origin && !transport.blockedReason
    ? new HttpTreeReader(transport.origin, transport.v2Works ? transport.token : undefined, { ...probeOptions, requestTimeoutMs })
    : undefined;
  const instanceId = await readInstanceId(reader);
  const ec2 = await ec2Promise;
  const fixes = fixesFor(instanceId ?? ec2?.instanceId);
  if (instanceId ?? ec2?.instanceId) {
    // Put the real ID into the commands the transport checks already wrote.
    const id = (instanceId ?? ec2?.instanceId)!;
    for (const check of transport.checks) check.commands = check.commands?.map((c) => c.replace('<instance-id>', id));
  }

  const checks: DoctorCheck[] = [...transport.checks];
  const answered = transport.reachable.ipv4 === true || transport.reachable.ipv6 === true;
  const location = runLocationCheck({ target, ec2, instanceId, answered });
  checks.push(location.check);

  checks.push(runEnvImdsCheck({ env, where: target.where, transport }));

  progress('Reading the IAM role');
  const iam = await runIamChecks({ reader, blockedReason: transport.blockedReason, fixes, now: now() });
  checks.push(...iam.checks);
  checks.push(await runCredentialChainCheck({ env, homeDir: options.homeDir ?? os.homedir(), rolePresent: iam.rolePresent }));

  progress('Reading user data and events');
  checks.push(await runUserDataCheck(reader, transport.blockedReason));
  checks.push(...(await runEventChecks({ reader, blockedReason: transport.blockedReason, fixes, now: now() })));

  if (options.ec2) {
    progress('Asking the EC2 API');
    const observed: ObservedImds = transport.origin
      ? { via: 'probe', v1Works: transport.v1Works, v2Works: transport.v2Works, disabled: transport.disabled, hopLimitTooLow: transport.hopLimitTooLow }
      : { via: 'probe', ...(transport.disabled ? { disabled: true } : {}) };
    checks.push(...(await ec2Checks(options.ec2, instanceId ?? ec2?.instanceId, observed, iam, fixesFor(options.ec2.instanceId ?? instanceId ?? ec2?.instanceId), now())));
  }

  progress('Looking for throttling');
  const sampleSize = transport.origin && !transport.disabled ? (options.throttleSample ?? 10) : 0;
  await throttleSample(transport, sampleSize, requestTimeoutMs, probeOptions);
  checks.push(
    runThrottlingCheck({
      exchanges,
      gaveUp,
      sampleSize,
      where: target.where,
      notApplicable: transport.origin ? undefined : 'No endpoint answered.',
    }),
  );
  if (exchanges.some((e) => e.errorCode === DOCTOR_DEADLINE_CODE)) {
    // Say so where it is read first: answers after the deadline were not waited for.
    checks[0]?.evidence.push(`The run reached its total deadline of ${totalTimeoutMs} ms; probes after it were cut short (a peer that answers very slowly, or drips its answer).`);
  }
  return finish(target, location.ranOn, instanceId ?? ec2?.instanceId, started, startedAt, checks, exchanges);
}

/** A few sequential reads, one at a time, as a polite program would make them. */
async function throttleSample(transport: TransportResult, size: number, timeoutMs: number, options: ProbeOptions): Promise<void> {
  if (!transport.origin || size <= 0) return;
  const token = transport.v2Works ? transport.token : undefined;
  for (let i = 0; i < size; i++) {
    const result = await probe(transport.origin, { method: 'GET', path: '/latest/meta-data/instance-id', token, timeoutMs }, options);
    if (result.exchange.outcome !== 'answered') break;
    // Stop early once throttling is proven: more requests would only add to it.
    if (isThrottleStatus(result.exchange.status) && i >= 2) break;
  }
}

async function runSnapshotDoctor(target: SnapshotTarget, options: DoctorOptions): Promise<DoctorReport> {
  const startedAt = new Date();
  const started = performance.now();
  const now = options.now ?? Date.now;
  const via = target.where === 'ssm' ? 'The SSM source reads IMDS through a script on the instance' : 'A saved snapshot';
  const transportWhy = `${via}: the snapshot records statuses and values, not the HTTP exchanges, so this cannot be measured from here.`;
  const envWhy = `The environment and ~/.aws of programs on the instance are not visible ${target.where === 'ssm' ? 'through SSM snapshots' : 'in a snapshot'}.`;

  let snapshot: Snapshot | undefined = target.snapshot;
  let snapshotError: string | undefined;
  let snapshotRemedy: string | undefined;
  if (!snapshot) {
    options.onProgress?.('Taking a snapshot');
    try {
      if (!target.source) throw new Error('the target has neither a snapshot nor a source');
      snapshot = await target.source.snapshot();
    } catch (error) {
      snapshotError = error instanceof Error ? error.message : String(error);
      if (isImdsError(error) || isSsmError(error)) snapshotRemedy = error.remedy;
    }
  }
  const checks: DoctorCheck[] = [];
  if (!snapshot) {
    const location = runLocationCheck({ target, snapshotError, snapshotRemedy });
    checks.push(location.check);
    for (const [id, title] of SKIPPED_WITHOUT_SNAPSHOT) checks.push({ id, title, status: 'skip', summary: 'No snapshot could be read.', evidence: [], advice: [] });
    return finish(target, location.ranOn, undefined, started, startedAt, checks, []);
  }

  const reader = new SnapshotTreeReader(snapshot);
  const instanceId = await readInstanceId(reader);
  const fixes = fixesFor(instanceId);
  const location = runLocationCheck({ target, instanceId, snapshot: { source: snapshot.source, takenAt: snapshot.takenAt, entries: snapshot.entries.length } });
  checks.push(location.check);
  for (const [id, title] of TRANSPORT_TITLES) checks.push({ id, title, status: 'skip', summary: transportWhy, evidence: [], advice: [] });

  // What the recorded statuses do tell.
  const root = snapshot.entries.find((e) => e.path === snapshot!.root);
  const statuses = snapshot.entries.map((e) => e.status);
  const forbidden = root?.kind === 'error' && root.status === 403;
  checks.push(
    forbidden
      ? { id: 'imds-enabled', title: 'IMDS turned on', status: 'fail', summary: 'The snapshot recorded 403 for its root: IMDS is turned off on the instance.', evidence: [reader.how, `${snapshot.root} → 403 (recorded)`], advice: ['Turn the metadata endpoint on (from a machine with EC2 API access).'], commands: [fixes.enableEndpoint] }
      : { id: 'imds-enabled', title: 'IMDS turned on', status: root && root.status === 200 ? 'pass' : 'skip', summary: root && root.status === 200 ? `IMDS answered on the instance: the snapshot holds ${snapshot.entries.length} paths.` : 'The snapshot does not record its root.', evidence: [reader.how], advice: [] },
  );
  const mode = snapshot.stats?.imdsMode;
  checks.push(
    mode === 'v2'
      ? { id: 'imdsv2-token', title: 'IMDSv2 token (PUT /latest/api/token)', status: 'pass', summary: 'The script on the instance read with an IMDSv2 token.', evidence: [`snapshot stats: imdsMode v2, ${snapshot.stats?.tokenRequests ?? '?'} token request(s)`], advice: [] }
      : mode === 'v1'
        ? { id: 'imdsv2-token', title: 'IMDSv2 token (PUT /latest/api/token)', status: 'warn', summary: 'The script on the instance read without a token (IMDSv1): its token request failed.', evidence: ['snapshot stats: imdsMode v1'], advice: ['Run imds doctor on the instance to see why the token PUT fails there.'] }
        : { id: 'imdsv2-token', title: 'IMDSv2 token (PUT /latest/api/token)', status: 'skip', summary: transportWhy, evidence: [], advice: [] },
  );
  const throttled = statuses.filter(isThrottleStatus).length;
  checks.push(
    throttled > 0
      ? { id: 'throttling', title: 'Throttling (429 / 503 answers)', status: 'warn', summary: `The snapshot recorded ${throttled} throttled answer(s) (429/503).`, evidence: snapshot.entries.filter((e) => isThrottleStatus(e.status)).slice(0, 6).map((e) => `${e.path} → ${e.status} (recorded)`), advice: ['Something on the instance may be calling IMDS too often; run imds doctor there to measure it.'] }
      : { id: 'throttling', title: 'Throttling (429 / 503 answers)', status: 'skip', summary: transportWhy, evidence: [], advice: [] },
  );
  checks.push(runEnvImdsCheck({ env: {}, where: target.where, notApplicable: envWhy }));
  const iam = await runIamChecks({ reader, fixes, now: now() });
  checks.push(...iam.checks);
  checks.push(await runCredentialChainCheck({ env: {}, homeDir: '', rolePresent: iam.rolePresent, notApplicable: envWhy }));
  checks.push(await runUserDataCheck(reader));
  checks.push(...(await runEventChecks({ reader, fixes, now: now() })));
  if (options.ec2) {
    options.onProgress?.('Asking the EC2 API');
    const observed: ObservedImds = { via: 'snapshot', ...(mode === 'v2' ? { v2Works: true } : mode === 'v1' ? { v2Works: false } : {}), ...(forbidden ? { disabled: true } : {}) };
    checks.push(...(await ec2Checks(options.ec2, instanceId, observed, iam, fixesFor(options.ec2.instanceId ?? instanceId), now())));
  }
  return finish(target, location.ranOn, instanceId, started, startedAt, checks, []);
}

const TRANSPORT_TITLES: [CheckId, string][] = [
  ['reach-ipv4', 'IPv4 endpoint reachable'],
  ['reach-ipv6', 'IPv6 endpoint reachable'],
  ['imdsv1', 'IMDSv1 (GET without a token)'],
  ['hop-limit', 'PUT response hop limit'],
];

const SKIPPED_WITHOUT_SNAPSHOT: [CheckId, string][] = [
  ...TRANSPORT_TITLES,
  ['imds-enabled', 'IMDS turned on'],
  ['imdsv2-token', 'IMDSv2 token (PUT /latest/api/token)'],
  ['throttling', 'Throttling (429 / 503 answers)'],
  ['env-imds', 'Environment variables that change IMDS access'],
  ['iam-role', 'IAM role attached (iam/info)'],
  ['iam-credentials', 'Role credentials served (iam/security-credentials/)'],
  ['iam-cached-credentials', 'Why a just-attached role can seem not to work'],
  ['credential-chain', 'Credentials that shadow the instance role'],
  ['user-data-size', 'User data size (16 KB limit)'],
  ['spot-interruption', 'Spot interruption notice'],
  ['rebalance', 'Rebalance recommendation'],
  ['scheduled-events', 'Scheduled events (maintenance)'],
];
