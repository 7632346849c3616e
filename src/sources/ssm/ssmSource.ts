// A MetadataSource that reads a remote instance through AWS Systems Manager: one Session Manager
// session or one Run Command reads the whole tree on the instance (script.ts), and list/get are
// then served from that snapshot in memory until refresh(). One per snapshot, never one per node.
// Which transport runs is chosen here (transport.ts); the snapshot code below it does not care.
// The AWS SDK loads on first use (awsClient.ts).

import { errorForStatus } from '../../imds/errors';
import { isDirectoryPath, normalizePath } from '../../imds/paths';
import { buildSnapshot } from '../../imds/snapshot';
import type { ListingEntry, MetadataSource, MetadataValue, Snapshot, SnapshotOptions, SourceState } from '../../imds/types';
import { connectSsm, type AwsConnectionOptions, type SsmConnection } from './awsClient';
import type { Walk } from './document';
import { describeAwsError, SsmError } from './errors';
import { snapshotInstances, type InstanceSnapshot } from './remoteSnapshot';
import { recordError, type Replay } from './replay';
import type { ProgressState } from './runner';
import { SsmRunner } from './runner';
import { buildPowerShellSnapshotScript, buildShellSnapshotScript, type ScriptPlatform, type WalkerTool } from './script';
import { buildSessionCommand } from './session/command';
import { kmsDataKeys } from './session/kmsClient';
import { SESSION_DOCUMENT } from './session/sessionRunner';
import { snapshotThroughSession } from './session/sessionSnapshot';
import { describeTransport, isFallbackCause, type TransportChoice, type TransportUsed } from './transport';

/** The session script's document id: fixed, so the script (and its SHA-256) is the same every time. */
const SESSION_DOCUMENT_ID = '5e5510000000000d';

export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;

export interface SsmSourceOptions extends AwsConnectionOptions {
  instanceId: string;
  /** linux (AWS-RunShellScript, default) or windows (AWS-RunPowerShellScript). */
  platform?: ScriptPlatform;
  /** IMDS endpoint as seen from the instance (default: its environment, else 169.254.169.254). */
  imdsEndpoint?: string;
  tokenTtlSeconds?: number;
  /** Longest wait for one command, seconds (default 60). */
  commandTimeoutSeconds?: number;
  /** Force a walker on the instance (tests); default auto. */
  tool?: WalkerTool;
  /** Display label; default `ssm <instance> <region>`. */
  label?: string;
  /** Name of the instance for labels (tag or computer name), when known. */
  instanceName?: string;
  chunkSize?: number;
  agentCheckAfterMs?: number;
  /** list/get read a snapshot taken with credentials in clear (default false: masked on the instance). */
  revealSecrets?: boolean;
  /** First backoff when SendCommand stays throttled after the SDK's retries (default 1000 ms). */
  throttleRetryBaseMs?: number;
  onProgress?: (state: ProgressState, detail: string) => void;
  /** auto (default): a session, else Run Command when sessions are not possible; or one of them only. */
  transport?: TransportChoice;
  /** KMS endpoint override for encrypted sessions (default the SDK's, AWS_ENDPOINT_URL_KMS included). */
  kmsEndpoint?: string;
  /** Transport decisions and session events (never secrets). */
  log?: (line: string) => void;
  /** Wait for the agent's session handshake, ms (default 15 s, the agent's own). */
  sessionHandshakeTimeoutMs?: number;
}

interface Taken {
  root: string;
  showSecrets: boolean;
  walk: Walk;
  replay: Replay;
  commands: number;
  elapsedMs: number;
  transport: TransportUsed;
}

const SSM_INSTANCE_ID = /^(i-[0-9a-f]{8}([0-9a-f]{9})?|mi-[0-9a-f]{17})$/;

export class SsmSource implements MetadataSource {
  readonly kind = 'ssm' as const;
  readonly id: string;
  readonly label: string;
  readonly instanceId: string;
  /** Region and profile the source calls AWS with (the EC2 API's instance settings use the same). */
  readonly region: string | undefined;
  readonly profile: string | undefined;
  private readonly options: SsmSourceOptions;
  private connection?: Promise<SsmConnection>;
  private taken: Taken[] = [];
  private inFlight = new Map<string, Promise<Taken>>();
  private lastTaken?: Taken;
  private generation = 0;
  /** Set once `auto` fell back: later snapshots of this source use Run Command directly. */
  private fallbackReason?: string;
  private kms?: ReturnType<typeof kmsDataKeys>;

  constructor(options: SsmSourceOptions) {
    const instanceId = options.instanceId.trim();
    if (!SSM_INSTANCE_ID.test(instanceId)) {
      throw new SsmError('InvalidRequest', `"${options.instanceId}" is not an EC2 or managed instance id.`, 'Give an id such as i-0123456789abcdef0 or mi-0123456789abcdef0.');
    }
    this.options = { ...options, instanceId };
    this.instanceId = instanceId;
    this.region = options.region;
    this.profile = options.profile;
    this.id = `ssm:${options.profile ?? ''}:${options.region ?? ''}:${instanceId}`;
    const name = options.instanceName ? `${options.instanceName} (${instanceId})` : instanceId;
    this.label = options.label ?? `ssm ${name}${options.region ? ` ${options.region}` : ''}`;
  }

  private connect(): Promise<SsmConnection> {
    this.connection ??= connectSsm(this.options).catch((error: unknown) => {
      this.connection = undefined;
      throw describeAwsError(error, { operation: 'SendCommand', profile: this.options.profile, region: this.options.region, instanceId: this.instanceId });
    });
    return this.connection;
  }

  /** Statistics of the last snapshot: commands used and time from SendCommand to snapshot. */
  lastRun(): { commands: number; elapsedMs: number; tool: string; walkMs: number; transport: TransportUsed } | undefined {
    const t = this.lastTaken;
    return t && { commands: t.commands, elapsedMs: t.elapsedMs, tool: t.walk.tool, walkMs: t.walk.elapsedMs, transport: t.transport };
  }

  state(): SourceState {
    const walk = this.lastTaken?.walk;
    return {
      imdsMode: walk?.mode ?? 'unknown',
      ...(walk?.endpoint ? { endpoint: walk.endpoint } : {}),
      ...(this.lastTaken ? { transport: describeTransport(this.lastTaken.transport) } : {}),
    };
  }

  /** The transport the next snapshot tries first. */
  private plannedTransport(): 'session' | 'runCommand' {
    const choice = this.options.transport ?? 'auto';
    if (choice === 'runCommand' || this.fallbackReason) return 'runCommand';
    if (choice === 'auto' && this.options.platform === 'windows') return 'runCommand';
    return 'session';
  }

  refresh(): void {
    this.taken = [];
    this.inFlight.clear();
    this.generation++;
  }

  async dispose(): Promise<void> {
    this.refresh();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) (await connection.catch(() => undefined))?.client.destroy();
    this.kms?.close();
    this.kms = undefined;
  }

  /**
   * The script a snapshot runs on the instance, as it will be sent (for "Show SSM Script"). For a
   * session, a header gives the SHA-256 that the session command carries, and the script follows.
   */
  script(options: SnapshotOptions = {}): string {
    if (this.plannedTransport() === 'session' && this.options.platform !== 'windows') {
      const script = this.sessionScript(options.root ?? '/latest/', options.showSecrets ?? false);
      const { scriptSha256, command } = buildSessionCommand(script);
      return [
        `# Transport: Session Manager session (${SESSION_DOCUMENT}), which runs one command without a shell.`,
        '# The script after the "# ---- script ----" line travels gzip\'d and base64\'d inside',
        `#   sh -c '…unpack, check the SHA-256, run…' imds-explorer-sha256=${scriptSha256}`,
        `# (${command.length} characters). SHA-256 of the script (its exact text after that line, no trailing newline):`,
        `#   ${scriptSha256}`,
        '# ---- script ----',
        script,
      ].join('\n');
    }
    const build = this.options.platform === 'windows' ? buildPowerShellSnapshotScript : buildShellSnapshotScript;
    return build({
      imdsEndpoint: this.options.imdsEndpoint,
      root: options.root ?? '/latest/',
      tokenTtlSeconds: this.options.tokenTtlSeconds,
      showSecrets: options.showSecrets ?? false,
      documentId: '0123456789abcdef',
      chunkSize: this.options.chunkSize,
      tool: this.options.tool,
    });
  }

  /** A snapshot covering `root` (served from memory when one covers it), else one new command. */
  private async cover(root: string, showSecrets: boolean): Promise<Taken> {
    const held = this.taken.find((t) => t.showSecrets === showSecrets && root.startsWith(t.root));
    if (held) return held;
    const key = `${showSecrets}:${root}`;
    let pending = this.inFlight.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = this.take(root, showSecrets).then((taken) => {
        if (generation === this.generation) this.taken.push(taken);
        return taken;
      }).finally(() => {
        if (this.inFlight.get(key) === pending) this.inFlight.delete(key);
      });
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private sessionScript(root: string, showSecrets: boolean): string {
    return buildShellSnapshotScript({
      imdsEndpoint: this.options.imdsEndpoint, root, tokenTtlSeconds: this.options.tokenTtlSeconds, showSecrets,
      documentId: SESSION_DOCUMENT_ID, chunkSize: 0, tool: this.options.tool,
    });
  }

  private async take(root: string, showSecrets: boolean): Promise<Taken> {
    const connection = await this.connect();
    const choice = this.options.transport ?? 'auto';
    if (this.options.platform === 'windows' && choice === 'session') {
      throw new SsmError('InvalidRequest', `The session transport runs the Linux walkers; ${this.instanceId} is a Windows instance.`,
        'Set imdsExplorer.ssm.transport to runCommand (or auto) for Windows instances.');
    }
    if (this.plannedTransport() === 'session') {
      try {
        return await this.takeBySession(connection, root, showSecrets);
      } catch (error) {
        if (choice !== 'auto' || !isFallbackCause(error)) throw error;
        this.fallbackReason = (error as SsmError).summary;
        this.options.log?.(`SSM ${this.instanceId}: using Run Command: ${(error as SsmError).toLine()}`);
      }
    }
    return this.takeByRunCommand(connection, root, showSecrets);
  }

  private async takeBySession(connection: SsmConnection, root: string, showSecrets: boolean): Promise<Taken> {
    this.kms ??= kmsDataKeys({ region: connection.region, credentials: connection.client.config.credentials, endpoint: this.options.kmsEndpoint });
    const region = connection.region;
    const result = await snapshotThroughSession(connection, this.instanceId, {
      platform: 'linux',
      imdsEndpoint: this.options.imdsEndpoint,
      root,
      tokenTtlSeconds: this.options.tokenTtlSeconds,
      showSecrets,
      tool: this.options.tool,
      timeoutSeconds: this.options.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      label: (id) => `ssm ${id}${region ? ` ${region}` : ''}`,
      onProgress: (_id, state, detail) => this.options.onProgress?.(state, detail),
      dataKeys: this.kms.source,
      log: this.options.log,
      profile: this.options.profile,
      documentId: SESSION_DOCUMENT_ID,
      handshakeTimeoutMs: this.options.sessionHandshakeTimeoutMs,
    });
    if (!result.replay || !result.walk) throw new Error('The SSM session returned nothing.');
    const taken: Taken = { root, showSecrets, walk: result.walk, replay: result.replay, commands: result.commands, elapsedMs: result.elapsedMs, transport: { transport: 'session' } };
    this.lastTaken = taken;
    return taken;
  }

  private async takeByRunCommand(connection: SsmConnection, root: string, showSecrets: boolean): Promise<Taken> {
    const runner = new SsmRunner(connection, { profile: this.options.profile, instanceId: this.instanceId }, this.options.throttleRetryBaseMs);
    const region = connection.region;
    const [result] = await snapshotInstances(runner, { instanceIds: [this.instanceId] }, [this.instanceId], {
      platform: this.options.platform ?? 'linux',
      imdsEndpoint: this.options.imdsEndpoint,
      root,
      tokenTtlSeconds: this.options.tokenTtlSeconds,
      showSecrets,
      tool: this.options.tool,
      chunkSize: this.options.chunkSize,
      timeoutSeconds: this.options.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS,
      agentCheckAfterMs: this.options.agentCheckAfterMs,
      label: (id) => `ssm ${id}${region ? ` ${region}` : ''}`,
      onProgress: (_id, state, detail) => this.options.onProgress?.(state, detail),
    });
    if (result.error || !result.replay || !result.walk) throw result.error ?? new Error('The SSM snapshot returned nothing.');
    const transport: TransportUsed = { transport: 'runCommand', ...(this.fallbackReason ? { fallbackReason: this.fallbackReason } : {}) };
    const taken: Taken = { root, showSecrets, walk: result.walk, replay: result.replay, commands: result.commands, elapsedMs: result.elapsedMs, transport };
    this.lastTaken = taken;
    return taken;
  }

  async snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    const root = normalizePath(options.root ?? '/latest/');
    const showSecrets = options.showSecrets ?? false;
    const taken = await this.cover(root, showSecrets);
    if (taken.root === root) return taken.replay.snapshot;
    // A subtree of a held snapshot: the same entries below root.
    const whole = taken.replay.snapshot;
    const rootEntry = whole.entries.find((e) => e.path === root);
    if (!rootEntry) throw errorForStatus(404, root, 1);
    if (rootEntry.kind === 'error') throw this.errorAt(taken, root);
    return buildSnapshot({
      source: whole.source,
      root,
      entries: whole.entries.filter((e) => e.path.startsWith(root)),
      takenAt: new Date(whole.takenAt),
      ...(whole.stats ? { stats: whole.stats } : {}),
    });
  }

  private errorAt(taken: Taken, path: string): Error {
    const record = taken.walk.records.get(path);
    return record ? recordError(record, taken.walk.endpoint) : errorForStatus(404, path, 1);
  }

  /** Root to snapshot for a path: /latest/ for anything under it, else the path's version root. */
  private rootFor(path: string): string {
    if (path.startsWith('/latest/')) return '/latest/';
    const version = path.split('/')[1];
    return version ? `/${version}/` : '/';
  }

  async list(path: string): Promise<ListingEntry[]> {
    let normalized = normalizePath(path);
    if (!isDirectoryPath(normalized)) normalized += '/';
    const taken = await this.cover(this.rootFor(normalized), this.options.revealSecrets ?? false);
    const listing = taken.replay.listings.get(normalized);
    if (listing) return listing;
    throw this.errorAt(taken, normalized);
  }

  async get(path: string): Promise<MetadataValue> {
    const normalized = normalizePath(path);
    const taken = await this.cover(this.rootFor(normalized), this.options.revealSecrets ?? false);
    // `instance-id/` names the value `instance-id`, as on the service: the walk keys values bare.
    const bare = normalized.endsWith('/') && normalized.length > 1 ? normalized.slice(0, -1) : undefined;
    const record = taken.walk.records.get(normalized) ?? (bare === undefined ? undefined : taken.walk.records.get(bare));
    if (record && record.status === 200 && record.body) {
      return { path: normalized, body: record.body, text: record.body.toString('utf8'), status: 200 };
    }
    throw this.errorAt(taken, normalized);
  }
}

export type { InstanceSnapshot };
