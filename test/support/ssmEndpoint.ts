// A local AWS Systems Manager endpoint for tests and benchmarks: it speaks awsJson1_1 as SSM does
// (POST /, `X-Amz-Target: AmazonSSM.<Op>`, SigV4 checked, errors as `{"__type","message"}`), so the
// real @aws-sdk/client-ssm talks to it through its `endpoint` option. SendCommand really EXECUTES the
// AWS-RunShellScript `commands` on this machine (each "instance" is a shell with its own PATH and
// env), and GetCommandInvocation returns the output cut the way the agent and service cut it.
// Shapes and errors follow the SSM service model (botocore data/ssm/2014-11-06/service-2.json);
// truncation follows amazon-ssm-agent (pluginutil.StringPrefix, iohandler.DefaultOutputConfig).
// Session Manager too: StartSession/ResumeSession/TerminateSession and the data channel WebSocket
// (ssm/sessionService.ts, ssm/sessionAgent.ts), and KMS (`TrentService.*`, ssm/kmsService.ts) for
// encrypted sessions, all on the same port.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENT_PATH,
  findSystemTool,
  HTTP_TOOLS,
  type HttpTool,
  makeRestrictedBin,
  makeWorkRoot,
  removeWorkRoot,
  runScript,
  type RunningScript,
} from './ssm/instanceShell';
import { KmsService, KmsServiceError } from './ssm/kmsService';
import type { SessionFaults } from './ssm/sessionAgent';
import { SessionApiError, SessionService, type SessionRecord } from './ssm/sessionService';
import { parseAuthorization, verifySignature } from './ssm/sigv4';
import { FaultQueue } from './faultQueue';

export type PingStatus = 'Online' | 'ConnectionLost' | 'Inactive';
export type InvocationStatus =
  | 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';

export interface FakeInstance {
  instanceId: string;
  /** Agent ping status (default Online). Non-Online instances accept commands that never run. */
  pingStatus?: PingStatus;
  /** False: no SSM agent registered, so not listed and SendCommand answers InvalidInstanceId. */
  managed?: boolean;
  platformType?: 'Linux' | 'Windows' | 'MacOS';
  platformName?: string;
  platformVersion?: string;
  computerName?: string;
  ipAddress?: string;
  agentVersion?: string;
  /** `Name` of an activated hybrid node (EC2 instances leave it empty). */
  name?: string;
  tags?: Record<string, string>;
  /** HTTP tools on the instance's PATH (default: all of curl, wget, python3). */
  tools?: HttpTool[];
  /** Shell that runs `_script.sh` (default the endpoint's, /bin/bash). */
  shell?: string;
  /** Extra environment for the script (e.g. AWS_EC2_METADATA_SERVICE_ENDPOINT). */
  env?: Record<string, string>;
  /** Time the invocation stays Pending before it runs (agent pick-up delay). */
  executionDelayMs?: number;
  /** Time spent in `Delayed` (delivery retried) before running. */
  delayedMs?: number;
  /** Replace execution with this outcome (agent-level failure). */
  failure?: { exitCode: number; stdout?: string; stderr?: string };
}

export interface SsmEndpointOptions {
  instances?: FakeInstance[];
  accountId?: string;
  /** When set, requests signed for another region are rejected as AWS does. */
  region?: string;
  /** Access key id -> secret; `expired` answers ExpiredTokenException. Default AKIDSSMTEST/ssm-test-secret. */
  credentials?: Record<string, { secretAccessKey: string; expired?: boolean; userName?: string }>;
  /** GetCommandInvocation answers InvocationDoesNotExist until this long after SendCommand (default 80 ms). */
  invocationVisibleAfterMs?: number;
  /** Default shell (default /bin/bash). */
  shell?: string;
  /** A command to a non-Online instance times out with DeliveryTimedOut after this (default: TimeoutSeconds). */
  deliveryTimeoutMs?: number;
  /** Port to listen on (default: any free port). */
  port?: number;
  /** Sessions are KMS-encrypted (Session Manager preferences), with a key of the local KMS. */
  kms?: boolean;
  /** Faults of the next sessions' data channels. */
  sessionFaults?: SessionFaults;
  /** The agent's wait for each handshake answer (default 15 s, as the agent). */
  handshakeTimeoutMs?: number;
}

export interface InjectedFault {
  type: string;
  message?: string;
  status?: number;
}

export interface EndpointCall {
  operation: string;
  region: string;
  accessKeyId: string;
  at: number;
  body: Record<string, unknown>;
}

export interface InvocationRecord {
  commandId: string;
  instanceId: string;
  documentName: string;
  pluginName: string;
  comment: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  /** Script as the agent wrote it to _script.sh. */
  script: string;
  stdout: string;
  stderr: string;
  /** Untruncated output length in bytes, for tests about the cap. */
  rawStdoutBytes: number;
  sentAt: number;
  visibleAt: number;
  startedAt?: number;
  endedAt?: number;
}

export interface SsmEndpoint {
  url: string;
  accountId: string;
  /** Default credentials the endpoint accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  calls: EndpointCall[];
  countOf(operation: string): number;
  invocations(): InvocationRecord[];
  invocation(commandId: string, instanceId: string): InvocationRecord | undefined;
  /** The instance's temp directory (its TMPDIR): where the script keeps long documents. */
  tmpDir(instanceId: string): string;
  setInstance(instance: FakeInstance): void;
  updateInstance(instanceId: string, patch: Partial<FakeInstance>): void;
  removeInstance(instanceId: string): void;
  /** The next `times` calls of `operation` answer this error (times may be Infinity). */
  failNext(operation: string, fault: InjectedFault, times?: number): void;
  clearFaults(): void;
  /** Makes the caller lack IAM permission `action` (e.g. `ssm:SendCommand`). */
  deny(action: string): void;
  allow(action: string): void;
  /** Resolves when every started invocation has finished. */
  idle(): Promise<void>;
  /** Sessions started, with their state and data channel statistics. */
  sessions(): SessionRecord[];
  /** Sessions not yet terminated (by TerminateSession or the end of their channel). */
  openSessions(): number;
  /** Faults of sessions started from now on. */
  setSessionFaults(faults: SessionFaults): void;
  /** AWS-StartNonInteractiveCommand missing in the Region (StartSession answers InvalidDocument). */
  setSessionDocumentMissing(missing: boolean): void;
  /** Data channel WebSockets refused (HTTP 403), as a proxy that blocks them. */
  setWebSocketsRefused(refused: boolean): void;
  /** KMS key ARN sessions are encrypted with (undefined: not encrypted); set to change. */
  sessionKmsKey(): string | undefined;
  setSessionKms(enabled: boolean): void;
  kms: KmsService;
  close(): Promise<void>;
}

/** Limits of GetCommandInvocation (service model) and the agent's truncation suffix. */
export const STDOUT_LIMIT = 24000;
export const STDERR_LIMIT = 8000;
export const TRUNCATED_SUFFIX = '--output truncated--';

const DOCUMENTS: Record<string, { plugin: string; platform: 'Linux' | 'Windows'; parameters: string[] }> = {
  'AWS-RunShellScript': { plugin: 'aws:runShellScript', platform: 'Linux', parameters: ['commands', 'workingDirectory', 'executionTimeout'] },
  'AWS-RunPowerShellScript': { plugin: 'aws:runPowerShellScript', platform: 'Windows', parameters: ['commands', 'workingDirectory', 'executionTimeout'] },
};

const OPERATION_ACTIONS: Record<string, string> = {
  SendCommand: 'ssm:SendCommand',
  GetCommandInvocation: 'ssm:GetCommandInvocation',
  DescribeInstanceInformation: 'ssm:DescribeInstanceInformation',
  CancelCommand: 'ssm:CancelCommand',
  ListCommandInvocations: 'ssm:ListCommandInvocations',
  StartSession: 'ssm:StartSession',
  ResumeSession: 'ssm:ResumeSession',
  TerminateSession: 'ssm:TerminateSession',
  GenerateDataKey: 'kms:GenerateDataKey',
  Decrypt: 'kms:Decrypt',
};

const INSTANCE_ID_PATTERN = /(^i-(\w{8}|\w{17})$)|(^mi-\w{17}$)/;

/** amazon-ssm-agent pluginutil.StringPrefix: at or over the limit (in bytes), keep limit-20 bytes + suffix. */
export function agentStringPrefix(input: Buffer, maxLength: number): string {
  if (input.length < maxLength) return input.toString('utf8');
  if (maxLength <= TRUNCATED_SUFFIX.length) return TRUNCATED_SUFFIX.slice(0, maxLength);
  const pos = maxLength - TRUNCATED_SUFFIX.length;
  return input.subarray(0, pos).toString('utf8') + TRUNCATED_SUFFIX;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string | undefined,
    readonly status = 400,
  ) {
    super(message ?? '');
  }
}

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', `1 validation error detected: ${message}`);
}

function isoTime(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(ms).toISOString();
}

function elapsedIso(startMs: number | undefined, endMs: number | undefined): string {
  if (startMs === undefined) return '';
  const seconds = ((endMs ?? Date.now()) - startMs) / 1000;
  return `PT${seconds.toFixed(3)}S`;
}

interface Invocation extends InvocationRecord {
  timeoutSeconds: number;
  executionTimeoutSeconds: number;
  workingDirectory: string;
  running?: RunningScript;
  finished: Promise<void>;
  markFinished: () => void;
}

interface CommandRecord {
  commandId: string;
  documentName: string;
  comment: string;
  parameters: Record<string, string[]>;
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  requestedAt: number;
  timeoutSeconds: number;
  targetIds: string[];
}

export async function startSsmEndpoint(options: SsmEndpointOptions = {}): Promise<SsmEndpoint> {
  const accountId = options.accountId ?? '123456789012';
  const credentials = options.credentials ?? { AKIDSSMTEST: { secretAccessKey: 'ssm-test-secret' } };
  const [defaultKey] = Object.keys(credentials);
  const instances = new Map<string, FakeInstance>();
  for (const instance of options.instances ?? []) instances.set(instance.instanceId, { ...instance });
  const commands = new Map<string, CommandRecord>();
  const invocations = new Map<string, Invocation>();
  const faults = new FaultQueue<InjectedFault>();
  const denied = new Set<string>();
  const calls: EndpointCall[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const workRoot = makeWorkRoot();
  const binDirs = new Map<string, string>();
  const visibleAfterMs = options.invocationVisibleAfterMs ?? 80;
  const defaultShell = options.shell ?? '/bin/bash';
  const kms = new KmsService(options.region ?? 'us-east-1', accountId);
  let port = 0;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const key = (commandId: string, instanceId: string) => `${commandId}/${instanceId}`;

  function pathFor(instance: FakeInstance): string {
    const tools = instance.tools ?? [...HTTP_TOOLS];
    if (tools.length === HTTP_TOOLS.length && HTTP_TOOLS.every((tool) => tools.includes(tool))) return AGENT_PATH;
    const cacheKey = [...tools].sort().join(',');
    let bin = binDirs.get(cacheKey);
    if (!bin) {
      bin = makeRestrictedBin(workRoot, tools);
      binDirs.set(cacheKey, bin);
    }
    return bin;
  }

  /** Each instance has its own temp directory (its /tmp), removed with the endpoint. */
  function tmpDirOf(instanceId: string): string {
    const dir = join(workRoot, 'instances', instanceId, 'tmp');
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  function managedInstances(): FakeInstance[] {
    return [...instances.values()].filter((instance) => instance.managed !== false);
  }

  function finish(invocation: Invocation, status: InvocationStatus, details: string, code: number, stdout: Buffer, stderr: Buffer) {
    invocation.status = status;
    invocation.statusDetails = details;
    invocation.responseCode = code;
    invocation.rawStdoutBytes = stdout.length;
    invocation.stdout = agentStringPrefix(stdout, STDOUT_LIMIT);
    invocation.stderr = agentStringPrefix(stderr, STDERR_LIMIT);
    invocation.endedAt = Date.now();
    invocation.running = undefined;
    invocation.markFinished();
  }

  function execute(invocation: Invocation, instance: FakeInstance) {
    if (invocation.status === 'Cancelled' || invocation.status === 'Cancelling') return;
    invocation.status = 'InProgress';
    invocation.statusDetails = 'InProgress';
    invocation.startedAt = Date.now();
    if (instance.failure) {
      const { exitCode, stdout = '', stderr = '' } = instance.failure;
      const suffix = exitCode === 0 ? '' : `${stderr && !stderr.endsWith('\n') ? '\n' : ''}failed to run commands: exit status ${exitCode}`;
      finish(invocation, exitCode === 0 ? 'Success' : 'Failed', exitCode === 0 ? 'Success' : 'Failed', exitCode,
        Buffer.from(stdout), Buffer.from(stderr + suffix));
      return;
    }
    const powershell = invocation.documentName === 'AWS-RunPowerShellScript';
    const pwsh = powershell ? findSystemTool('pwsh') : undefined;
    if (powershell && !pwsh) {
      // Windows instances run PowerShell; without pwsh here the script cannot run, and says so.
      finish(invocation, 'Failed', 'Failed', 1, Buffer.alloc(0), Buffer.from('The local SSM endpoint cannot run AWS-RunPowerShellScript: pwsh is not installed on this machine.\nfailed to run commands: exit status 1'));
      return;
    }
    const workDir = invocation.workingDirectory ||
      join(workRoot, 'orchestration', invocation.commandId, invocation.instanceId, powershell ? 'awsrunPowerShellScript' : 'awsrunShellScript', '0.script');
    const running = runScript({
      shell: pwsh ?? instance.shell ?? defaultShell,
      shellArgs: pwsh ? ['-NoProfile', '-NonInteractive', '-File'] : [],
      scriptName: pwsh ? '_script.ps1' : '_script.sh',
      script: invocation.script,
      workDir,
      env: { PATH: pathFor(instance), HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', TMPDIR: tmpDirOf(invocation.instanceId), ...instance.env },
      timeoutMs: invocation.executionTimeoutSeconds * 1000,
    });
    invocation.running = running;
    void running.done.then((run) => {
      if (run.cancelled) {
        finish(invocation, 'Cancelled', 'Cancelled', -1, run.stdout, run.stderr);
      } else if (run.timedOut) {
        const stderr = Buffer.concat([run.stderr, Buffer.from('failed to run commands: command timed out')]);
        finish(invocation, 'TimedOut', 'ExecutionTimedOut', -1, run.stdout, stderr);
      } else if (run.exitCode === 0) {
        finish(invocation, 'Success', 'Success', 0, run.stdout, run.stderr);
      } else {
        const code = run.exitCode ?? -1;
        const separator = run.stderr.length && run.stderr[run.stderr.length - 1] !== 10 ? '\n' : '';
        const stderr = Buffer.concat([run.stderr, Buffer.from(`${separator}failed to run commands: exit status ${code}`)]);
        finish(invocation, 'Failed', 'Failed', code, run.stdout, stderr);
      }
    });
  }

  function schedule(invocation: Invocation, instance: FakeInstance, deliveryTimeoutMs: number) {
    if ((instance.pingStatus ?? 'Online') !== 'Online') {
      // The agent never picks it up: Pending until the delivery timeout.
      later(deliveryTimeoutMs, () => {
        if (invocation.status === 'Pending') finish(invocation, 'TimedOut', 'DeliveryTimedOut', -1, Buffer.alloc(0), Buffer.alloc(0));
      });
      return;
    }
    const delay = instance.executionDelayMs ?? 0;
    later(delay, () => {
      if (invocation.status !== 'Pending') return;
      if (instance.delayedMs) {
        invocation.status = 'Delayed';
        invocation.statusDetails = 'Delayed';
        later(instance.delayedMs, () => execute(invocation, instance));
      } else {
        execute(invocation, instance);
      }
    });
  }

  function resolveTargets(targets: { Key: string; Values: string[] }[]): string[] {
    let selected = managedInstances();
    for (const target of targets) {
      const values = target.Values ?? [];
      if (target.Key === 'InstanceIds') selected = selected.filter((i) => values.includes(i.instanceId));
      else if (target.Key === 'tag-key') selected = selected.filter((i) => values.some((v) => i.tags && v in i.tags));
      else if (target.Key.startsWith('tag:')) {
        const tagKey = target.Key.slice(4);
        selected = selected.filter((i) => i.tags?.[tagKey] !== undefined && values.includes(i.tags[tagKey]));
      } else throw new ServiceError('InvalidParameters', `Target key ${target.Key} is not supported.`);
    }
    return selected.map((i) => i.instanceId);
  }

  // ---- operations -------------------------------------------------------------------------

  function sendCommand(body: Record<string, unknown>): unknown {
    const documentName = body.DocumentName as string | undefined;
    if (!documentName) throw validation("Value null at 'documentName' failed to satisfy constraint: Member must not be null");
    const document = DOCUMENTS[documentName];
    if (!document) throw new ServiceError('InvalidDocument', `Document ${documentName} does not exist in your account.`);
    const instanceIds = (body.InstanceIds as string[] | undefined) ?? [];
    const targets = (body.Targets as { Key: string; Values: string[] }[] | undefined) ?? [];
    if (instanceIds.length > 50) {
      throw validation(`Value '[${instanceIds.join(', ')}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50`);
    }
    if (targets.length > 5) throw validation("Value at 'targets' failed to satisfy constraint: Member must have length less than or equal to 5");
    if (instanceIds.length && targets.length) throw new ServiceError('InvalidParameters', 'Specify either InstanceIds or Targets, not both.');
    if (!instanceIds.length && !targets.length) throw new ServiceError('InvalidParameters', 'InstanceIds or Targets must be specified.');
    const timeoutSeconds = (body.TimeoutSeconds as number | undefined) ?? 3600;
    if (timeoutSeconds < 30 || timeoutSeconds > 2592000) {
      throw validation(`Value '${timeoutSeconds}' at 'timeoutSeconds' failed to satisfy constraint: Member must have value ${timeoutSeconds < 30 ? 'greater than or equal to 30' : 'less than or equal to 2592000'}`);
    }
    const parameters = (body.Parameters as Record<string, string[]> | undefined) ?? {};
    const unknown = Object.keys(parameters).filter((name) => !document.parameters.includes(name));
    if (unknown.length) throw new ServiceError('InvalidParameters', `document ${documentName} does not support parameters.`);
    const commandLines = parameters.commands ?? [];
    if (!commandLines.length) throw new ServiceError('InvalidParameters', 'Parameters: [commands] are required but were not provided.');
    const executionTimeout = Number(parameters.executionTimeout?.[0] ?? '3600');
    if (!Number.isInteger(executionTimeout) || executionTimeout < 1 || executionTimeout > 172800) {
      throw new ServiceError('InvalidParameters', `Parameter "executionTimeout" "${parameters.executionTimeout?.[0]}" is not valid.`);
    }

    let targetIds: string[];
    if (instanceIds.length) {
      const seen = new Set<string>();
      for (const id of instanceIds) {
        if (seen.has(id)) throw new ServiceError('DuplicateInstanceId', undefined);
        seen.add(id);
      }
      const invalid = instanceIds.filter((id) => instances.get(id)?.managed === false || !instances.has(id));
      if (invalid.length) {
        throw new ServiceError('InvalidInstanceId', `Instances [[${invalid.join(', ')}]] not in a valid state for account ${accountId}`);
      }
      const wrongPlatform = instanceIds.filter((id) => (instances.get(id)?.platformType ?? 'Linux') !== document.platform &&
        !(document.platform === 'Linux' && instances.get(id)?.platformType === 'MacOS'));
      if (wrongPlatform.length) {
        throw new ServiceError('UnsupportedPlatformType', `The document ${documentName} does not support the platform of instances [${wrongPlatform.join(', ')}].`);
      }
      targetIds = instanceIds;
    } else {
      targetIds = resolveTargets(targets).filter((id) => (instances.get(id)?.platformType ?? 'Linux') === document.platform ||
        (document.platform === 'Linux' && instances.get(id)?.platformType === 'MacOS'));
    }

    const commandId = randomUUID();
    const now = Date.now();
    const command: CommandRecord = {
      commandId, documentName, comment: (body.Comment as string | undefined) ?? '', parameters, instanceIds,
      targets, requestedAt: now, timeoutSeconds, targetIds,
    };
    commands.set(commandId, command);
    for (const instanceId of targetIds) {
      let markFinished!: () => void;
      const finished = new Promise<void>((resolve) => (markFinished = resolve));
      const invocation: Invocation = {
        commandId, instanceId, documentName, pluginName: document.plugin, comment: command.comment,
        status: 'Pending', statusDetails: 'Pending', responseCode: -1, script: commandLines.join('\n'),
        stdout: '', stderr: '', rawStdoutBytes: 0, sentAt: now, visibleAt: now + visibleAfterMs,
        timeoutSeconds, executionTimeoutSeconds: executionTimeout,
        workingDirectory: parameters.workingDirectory?.[0] ?? '', finished, markFinished,
      };
      invocations.set(key(commandId, instanceId), invocation);
      schedule(invocation, instances.get(instanceId)!, options.deliveryTimeoutMs ?? timeoutSeconds * 1000);
    }
    return { Command: describeCommand(command) };
  }

  function describeCommand(command: CommandRecord): Record<string, unknown> {
    const own = command.targetIds.map((id) => invocations.get(key(command.commandId, id))!);
    const done = own.filter((i) => !['Pending', 'InProgress', 'Delayed', 'Cancelling'].includes(i.status));
    const status = own.length === 0 ? 'Success' : done.length < own.length ? (own.some((i) => i.status !== 'Pending') ? 'InProgress' : 'Pending')
      : own.every((i) => i.status === 'Success') ? 'Success' : own.some((i) => i.status === 'Failed') ? 'Failed'
        : own.some((i) => i.status === 'TimedOut') ? 'TimedOut' : 'Cancelled';
    return {
      CommandId: command.commandId,
      DocumentName: command.documentName,
      DocumentVersion: '$DEFAULT',
      Comment: command.comment,
      ExpiresAfter: (command.requestedAt + command.timeoutSeconds * 1000) / 1000,
      Parameters: command.parameters,
      InstanceIds: command.instanceIds,
      Targets: command.targets,
      RequestedDateTime: command.requestedAt / 1000,
      Status: status,
      StatusDetails: status,
      OutputS3Region: options.region ?? 'us-east-1',
      OutputS3BucketName: '',
      OutputS3KeyPrefix: '',
      MaxConcurrency: '50',
      MaxErrors: '0',
      TargetCount: own.length,
      CompletedCount: done.length,
      ErrorCount: done.filter((i) => i.status !== 'Success').length,
      DeliveryTimedOutCount: done.filter((i) => i.statusDetails === 'DeliveryTimedOut').length,
      ServiceRole: '',
      NotificationConfig: { NotificationArn: '', NotificationEvents: [], NotificationType: '' },
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
      TimeoutSeconds: command.timeoutSeconds,
      TriggeredAlarms: [],
    };
  }

  function getCommandInvocation(body: Record<string, unknown>): unknown {
    const commandId = body.CommandId as string | undefined;
    const instanceId = body.InstanceId as string | undefined;
    if (!commandId) throw validation("Value null at 'commandId' failed to satisfy constraint: Member must not be null");
    if (!instanceId) throw validation("Value null at 'instanceId' failed to satisfy constraint: Member must not be null");
    if (!/^[0-9a-f-]{36}$/.test(commandId)) throw new ServiceError('InvalidCommandId', undefined);
    if (!INSTANCE_ID_PATTERN.test(instanceId)) {
      throw validation(`Value '${instanceId}' at 'instanceId' failed to satisfy constraint: Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)`);
    }
    const invocation = invocations.get(key(commandId, instanceId));
    if (!invocation || Date.now() < invocation.visibleAt) throw new ServiceError('InvocationDoesNotExist', undefined);
    const pluginName = body.PluginName as string | undefined;
    if (pluginName !== undefined && pluginName !== invocation.pluginName) throw new ServiceError('InvalidPluginName', undefined);
    return {
      CommandId: invocation.commandId,
      InstanceId: invocation.instanceId,
      Comment: invocation.comment,
      DocumentName: invocation.documentName,
      DocumentVersion: '$DEFAULT',
      PluginName: invocation.pluginName,
      ResponseCode: invocation.responseCode,
      ExecutionStartDateTime: isoTime(invocation.startedAt),
      ExecutionElapsedTime: elapsedIso(invocation.startedAt, invocation.endedAt),
      ExecutionEndDateTime: isoTime(invocation.endedAt),
      Status: invocation.status,
      StatusDetails: invocation.statusDetails,
      StandardOutputContent: invocation.stdout,
      StandardOutputUrl: '',
      StandardErrorContent: invocation.stderr,
      StandardErrorUrl: '',
      CloudWatchOutputConfig: { CloudWatchLogGroupName: '', CloudWatchOutputEnabled: false },
    };
  }

  function cancelCommand(body: Record<string, unknown>): unknown {
    const commandId = body.CommandId as string | undefined;
    const command = commandId ? commands.get(commandId) : undefined;
    if (!command) throw new ServiceError('InvalidCommandId', undefined);
    const ids = (body.InstanceIds as string[] | undefined)?.length ? (body.InstanceIds as string[]) : command.targetIds;
    for (const id of ids) {
      const invocation = invocations.get(key(command.commandId, id));
      if (!invocation) continue;
      if (invocation.status === 'Pending' || invocation.status === 'Delayed') {
        finish(invocation, 'Cancelled', 'Cancelled', -1, Buffer.alloc(0), Buffer.alloc(0));
      } else if (invocation.status === 'InProgress') {
        invocation.status = 'Cancelling';
        invocation.statusDetails = 'Cancelling';
        invocation.running?.cancel();
      }
    }
    return {};
  }

  const STRING_FILTER_KEYS = new Set(['InstanceIds', 'AgentVersion', 'PingStatus', 'PlatformTypes', 'ActivationIds', 'IamRole',
    'ResourceType', 'AssociationStatus', 'SourceIds', 'SourceTypes', 'tag-key']);
  const LEGACY_FILTER_KEYS = new Set(['InstanceIds', 'AgentVersion', 'PingStatus', 'PlatformTypes', 'ActivationIds', 'IamRole',
    'ResourceType', 'AssociationStatus']);

  function matchesFilter(instance: FakeInstance, filterKey: string, values: string[]): boolean {
    switch (filterKey) {
      case 'InstanceIds':
      case 'SourceIds':
        return values.includes(instance.instanceId);
      case 'PingStatus':
        return values.includes(instance.pingStatus ?? 'Online');
      case 'PlatformTypes':
        return values.includes(instance.platformType ?? 'Linux');
      case 'AgentVersion':
        return values.includes(instance.agentVersion ?? '3.3.0.0');
      case 'ResourceType':
        return values.includes('EC2Instance');
      case 'SourceTypes':
        return values.includes('AWS::EC2::Instance');
      case 'AssociationStatus':
        return values.includes('Success');
      case 'tag-key':
        return values.some((v) => instance.tags !== undefined && v in instance.tags);
      default:
        if (filterKey.startsWith('tag:')) {
          const value = instance.tags?.[filterKey.slice(4)];
          return value !== undefined && values.includes(value);
        }
        return false;
    }
  }

  function describeInstanceInformation(body: Record<string, unknown>): unknown {
    const maxResults = (body.MaxResults as number | undefined) ?? 10;
    if (maxResults < 5 || maxResults > 50) {
      throw validation(`Value '${maxResults}' at 'maxResults' failed to satisfy constraint: Member must have value ${maxResults < 5 ? 'greater than or equal to 5' : 'less than or equal to 50'}`);
    }
    let list = managedInstances();
    for (const filter of (body.Filters as { Key: string; Values: string[] }[] | undefined) ?? []) {
      if (!STRING_FILTER_KEYS.has(filter.Key) && !filter.Key.startsWith('tag:')) throw new ServiceError('InvalidFilterKey', undefined);
      if (!filter.Values?.length) throw new ServiceError('InvalidInstanceInformationFilterValue', `Filter ${filter.Key} needs at least one value.`);
      list = list.filter((instance) => matchesFilter(instance, filter.Key, filter.Values));
    }
    for (const filter of (body.InstanceInformationFilterList as { key: string; valueSet: string[] }[] | undefined) ?? []) {
      if (!LEGACY_FILTER_KEYS.has(filter.key)) throw new ServiceError('InvalidFilterKey', undefined);
      list = list.filter((instance) => matchesFilter(instance, filter.key, filter.valueSet ?? []));
    }
    let offset = 0;
    if (body.NextToken !== undefined) {
      try {
        const decoded = JSON.parse(Buffer.from(String(body.NextToken), 'base64').toString('utf8')) as { offset?: unknown };
        if (typeof decoded.offset !== 'number') throw new Error('bad token');
        offset = decoded.offset;
      } catch {
        throw new ServiceError('InvalidNextToken', 'The specified token is not valid.');
      }
    }
    const page = list.slice(offset, offset + maxResults);
    const next = offset + maxResults < list.length ? Buffer.from(JSON.stringify({ offset: offset + maxResults })).toString('base64') : undefined;
    return {
      InstanceInformationList: page.map((instance) => ({
        InstanceId: instance.instanceId,
        PingStatus: instance.pingStatus ?? 'Online',
        LastPingDateTime: Date.now() / 1000,
        AgentVersion: instance.agentVersion ?? '3.3.0.0',
        IsLatestVersion: false,
        PlatformType: instance.platformType ?? 'Linux',
        PlatformName: instance.platformName ?? (instance.platformType === 'Windows' ? 'Microsoft Windows Server 2022 Datacenter' : 'Amazon Linux'),
        PlatformVersion: instance.platformVersion ?? (instance.platformType === 'Windows' ? '10.0.20348' : '2023'),
        ResourceType: 'EC2Instance',
        IPAddress: instance.ipAddress ?? '10.0.0.10',
        ComputerName: instance.computerName ?? `ip-10-0-0-10.ec2.internal`,
        ...(instance.name ? { Name: instance.name } : {}),
        AssociationStatus: 'Success',
        SourceId: instance.instanceId,
        SourceType: 'AWS::EC2::Instance',
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  const sessionService = new SessionService({
    streamBase: () => `ws://127.0.0.1:${port}`,
    workRoot,
    kms,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    instance(target) {
      const instance = instances.get(target);
      if (!instance || instance.managed === false) return `${target} is not connected.`;
      if ((instance.pingStatus ?? 'Online') !== 'Online') return `${target} is not connected.`;
      return { env: { PATH: pathFor(instance), HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', TMPDIR: tmpDirOf(target), ...instance.env } };
    },
  });
  sessionService.faults = options.sessionFaults ?? {};
  if (options.kms) sessionService.kmsKeyId = kms.createKey();
  let caller = 'ssm-test';

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartSession: (body) => sessionService.startSession(body, caller),
    ResumeSession: (body) => sessionService.resumeSession(body),
    TerminateSession: (body) => sessionService.terminateSession(body),
    GenerateDataKey: (body) => kms.generateDataKey(body),
    Decrypt: (body) => kms.decrypt(body),
    SendCommand: sendCommand,
    GetCommandInvocation: getCommandInvocation,
    CancelCommand: cancelCommand,
    DescribeInstanceInformation: describeInstanceInformation,
  };

  function resourceFor(operation: string, body: Record<string, unknown>, region: string): string {
    if (operation === 'StartSession') return `arn:aws:ec2:${region}:${accountId}:instance/${String(body.Target)}`;
    if (operation === 'TerminateSession' || operation === 'ResumeSession') return `arn:aws:ssm:${region}:${accountId}:session/${String(body.SessionId)}`;
    if (operation === 'GenerateDataKey' || operation === 'Decrypt') return String(body.KeyId ?? `arn:aws:kms:${region}:${accountId}:key/*`);
    if (operation === 'SendCommand') {
      const id = (body.InstanceIds as string[] | undefined)?.[0];
      return id ? `arn:aws:ec2:${region}:${accountId}:instance/${id}` : `arn:aws:ssm:${region}::document/${String(body.DocumentName)}`;
    }
    return `arn:aws:ssm:${region}:${accountId}:*`;
  }

  // ---- HTTP -------------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, payload: unknown) {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(text),
      'x-amzn-RequestId': randomUUID(),
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, error: ServiceError) {
    send(res, error.status, error.message ? { __type: error.type, message: error.message } : { __type: error.type });
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      sendError(res, new ServiceError('UnknownOperationException', undefined, 404));
      return;
    }
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) {
      sendError(res, new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400));
      return;
    }
    const account = credentials[auth.accessKeyId];
    if (!account) {
      sendError(res, new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.'));
      return;
    }
    if (account.expired) {
      sendError(res, new ServiceError('ExpiredTokenException', 'The security token included in the request is expired'));
      return;
    }
    const target = String(req.headers['x-amz-target'] ?? '');
    const service = target.startsWith('TrentService.') ? 'kms' : 'ssm';
    if (auth.service !== service) {
      sendError(res, new ServiceError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'. `));
      return;
    }
    if (options.region && auth.region !== options.region) {
      sendError(res, new ServiceError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${auth.region}'. `));
      return;
    }
    if (!verifySignature(auth, req.method, req.url ?? '/', req.headers, raw, account.secretAccessKey)) {
      sendError(res, new ServiceError('InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'));
      return;
    }
    const operation = target.startsWith('AmazonSSM.') ? target.slice('AmazonSSM.'.length)
      : target.startsWith('TrentService.') && ['GenerateDataKey', 'Decrypt'].includes(target.slice('TrentService.'.length)) ? target.slice('TrentService.'.length) : '';
    if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
      sendError(res, new ServiceError('UnknownOperationException', undefined));
      return;
    }
    const handler = operations[operation];
    if (!handler) {
      sendError(res, new ServiceError('UnknownOperationException', undefined));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      sendError(res, new ServiceError('SerializationException', 'Start of structure or map found where not expected.'));
      return;
    }
    calls.push({ operation, region: auth.region, accessKeyId: auth.accessKeyId, at: Date.now(), body });
    const fault = faults.take(operation);
    if (fault) {
      sendError(res, new ServiceError(fault.type, fault.message, fault.status ?? 400));
      return;
    }
    const action = OPERATION_ACTIONS[operation];
    if (denied.has(action)) {
      const user = account.userName ?? 'ssm-test';
      sendError(res, new ServiceError('AccessDeniedException',
        `User: arn:aws:iam::${accountId}:user/${user} is not authorized to perform: ${action} on resource: ${resourceFor(operation, body, auth.region)} because no identity-based policy allows the ${action} action`));
      return;
    }
    try {
      caller = account.userName ?? 'ssm-test';
      send(res, 200, handler(body));
    } catch (error) {
      if (error instanceof ServiceError) sendError(res, error);
      else if (error instanceof SessionApiError || error instanceof KmsServiceError) sendError(res, new ServiceError(error.type, error.message || undefined));
      else sendError(res, new ServiceError('InternalServerError', String(error), 500));
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, new ServiceError('InternalServerError', String(error), 500));
    });
  });
  server.on('upgrade', (req, socket, head) => sessionService.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;

  const publicRecord = (invocation: Invocation): InvocationRecord => {
    const { timeoutSeconds: _t, executionTimeoutSeconds: _e, workingDirectory: _w, running: _r, finished: _f, markFinished: _m, ...record } = invocation;
    return { ...record };
  };

  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    credentials: { accessKeyId: defaultKey, secretAccessKey: credentials[defaultKey].secretAccessKey },
    calls,
    countOf: (operation) => calls.filter((call) => call.operation === operation).length,
    invocations: () => [...invocations.values()].map(publicRecord),
    invocation: (commandId, instanceId) => {
      const found = invocations.get(key(commandId, instanceId));
      return found && publicRecord(found);
    },
    tmpDir: tmpDirOf,
    setInstance: (instance) => void instances.set(instance.instanceId, { ...instance }),
    updateInstance: (instanceId, patch) => {
      const current = instances.get(instanceId);
      if (!current) throw new Error(`no instance ${instanceId}`);
      instances.set(instanceId, { ...current, ...patch });
    },
    removeInstance: (instanceId) => void instances.delete(instanceId),
    failNext: (operation, fault, times = 1) => faults.add(operation, fault, times),
    clearFaults: () => faults.clear(),
    deny: (action) => void denied.add(action),
    allow: (action) => void denied.delete(action),
    sessions: () => sessionService.records(),
    openSessions: () => sessionService.openCount(),
    setSessionFaults: (faults) => void (sessionService.faults = faults),
    setSessionDocumentMissing: (missing) => void (sessionService.documentMissing = missing),
    setWebSocketsRefused: (refused) => void (sessionService.refuseWebSockets = refused),
    sessionKmsKey: () => sessionService.kmsKeyId,
    setSessionKms: (enabled) => void (sessionService.kmsKeyId = enabled ? (sessionService.kmsKeyId ?? kms.createKey()) : undefined),
    kms,
    idle: async () => {
      await Promise.all([...invocations.values()].filter((i) => i.startedAt !== undefined).map((i) => i.finished));
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const invocation of invocations.values()) invocation.running?.cancel();
      sessionService.close();
      await Promise.all([...invocations.values()].filter((i) => i.running).map((i) => i.finished));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeWorkRoot(workRoot);
    },
  };
}
