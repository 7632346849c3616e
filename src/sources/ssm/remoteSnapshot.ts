// One snapshot of one or many instances: one SendCommand for all of them, each invocation read
// with its own GetCommandInvocation, the further parts of long documents read by follow-up
// commands (one per part, sent at once), then the records replayed into Snapshots. Paths the walk
// missed are read by subtree with more commands; nothing is dropped silently.

import { randomBytes } from 'node:crypto';
import { isImdsError } from '../../imds/errors';
import type { Snapshot } from '../../imds/types';
import { assembleDocument, decodeDocument, DocumentError, parseDocumentPart, type DocumentPart, type Walk } from './document';
import { SsmError } from './errors';
import { replayWalk, type Replay } from './replay';
import type { CommandTarget, InvocationOutput, ProgressState, SsmRunner } from './runner';
import { scriptsFor, toCommands, type ScriptPlatform, type WalkerTool } from './script';

export interface RemoteSnapshotOptions {
  platform: ScriptPlatform;
  /** IMDS endpoint on the instance (default: what the instance's environment says, else 169.254.169.254). */
  imdsEndpoint?: string;
  root: string;
  tokenTtlSeconds?: number;
  showSecrets: boolean;
  tool?: WalkerTool;
  chunkSize?: number;
  /** Longest wait for one command, seconds (also its execution timeout on the instance). */
  timeoutSeconds: number;
  /** Snapshot `source` label of an instance. */
  label: (instanceId: string) => string;
  signal?: AbortSignal;
  onProgress?: (instanceId: string, state: ProgressState, detail: string) => void;
  agentCheckAfterMs?: number;
}

export interface InstanceSnapshot {
  instanceId: string;
  snapshot?: Snapshot;
  replay?: Replay;
  walk?: Walk;
  error?: Error;
  /** Commands used for this instance (first, parts, subtrees). */
  commands: number;
  /** ms from SendCommand to the decoded snapshot. */
  elapsedMs: number;
}

const MAX_SUBTREE_READS = 20;

export function newDocumentId(): string {
  return randomBytes(8).toString('hex');
}

function tail(text: string, max = 1500): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

/** The stdout of a finished invocation, or the error its status means. */
export function outputOf(invocation: InvocationOutput, timeoutSeconds: number): string {
  const { instanceId, status, statusDetails, responseCode } = invocation;
  // The agent's own "failed to run commands: exit status N" line repeats the exit code; the script's
  // "imds-explorer:" prefix repeats who speaks.
  const stderr = invocation.stderr.replace(/\n?failed to run commands: exit status -?\d+\s*$/, '').replace(/^imds-explorer: /gm, '');
  switch (status) {
    case 'Success':
      return invocation.stdout;
    case 'Failed':
      if (responseCode === 3) {
        return failWith('NoHttpTool', `The snapshot script cannot read IMDS on ${instanceId}: ${tail(stderr) || 'no HTTP client'}.`,
          'Install curl or python3 on the instance (or use another instance).');
      }
      return failWith('ScriptFailed', `The snapshot script failed on ${instanceId} (exit ${responseCode}, ${statusDetails})${stderr ? `: ${tail(stderr)}` : '.'}`,
        'Read the error above; "IMDS: Show SSM Script" shows what ran. If the instance lacks /tmp space or permissions, free them and refresh.');
    case 'TimedOut':
      if (statusDetails === 'DeliveryTimedOut' || statusDetails === 'Undeliverable') {
        return failWith('DeliveryTimedOut', `SSM could not deliver the command to ${instanceId} (${statusDetails}).`,
          'The SSM agent is offline or the instance is stopped: check the instance and its agent (sudo systemctl status amazon-ssm-agent).');
      }
      return failWith('CommandTimedOut', `The snapshot script ran longer than ${timeoutSeconds} s on ${instanceId} and was stopped (${statusDetails}).`,
        'IMDS may be slow or unreachable from the instance; raise imdsExplorer.ssm.commandTimeoutSeconds or check the instance.');
    case 'Cancelled':
    case 'Cancelling':
      return failWith('Cancelled', `The snapshot command on ${instanceId} was cancelled (${statusDetails}).`, 'Refresh to take the snapshot again.');
    default:
      return failWith('ServiceError', `The snapshot command on ${instanceId} ended with status ${status} (${statusDetails}).`, 'Refresh to try again.');
  }
}

function failWith(code: SsmError['code'], summary: string, remedy: string): never {
  throw new SsmError(code, summary, remedy);
}

export function documentError(error: unknown, instanceId: string): Error {
  if (isImdsError(error)) {
    // IMDS itself refused on the instance (turned off, IMDSv2 problems, unreachable): its remedy applies there.
    return new SsmError('Imds', `On ${instanceId}: ${error.message}`, error.remedy.replace(/<id>/g, instanceId), error);
  }
  if (error instanceof DocumentError) {
    return new SsmError('Document', `The snapshot of ${instanceId} came back unreadable: ${error.message}`,
      'Refresh to take it again; if it persists, report it with "IMDS: Show SSM Script" output.', error);
  }
  return error as Error;
}

/** Takes snapshots of the target's instances. `expected` lists the instance ids the target reaches. */
export async function snapshotInstances(runner: SsmRunner, target: CommandTarget, expected: string[], options: RemoteSnapshotOptions): Promise<InstanceSnapshot[]> {
  const scripts = scriptsFor(options.platform);
  const documentId = newDocumentId();
  const chunkSize = options.chunkSize;
  const timeoutMs = options.timeoutSeconds * 1000;
  const commandOptions = { timeoutSeconds: options.timeoutSeconds };
  const snapshotScript = (root: string, id: string) => scripts.snapshot({
    imdsEndpoint: options.imdsEndpoint, root, tokenTtlSeconds: options.tokenTtlSeconds, showSecrets: options.showSecrets,
    documentId: id, chunkSize, tool: options.tool,
  });
  const wait = (commandId: string, instanceId: string) => runner.wait(commandId, instanceId, {
    timeoutMs,
    signal: options.signal,
    agentCheckAfterMs: options.agentCheckAfterMs,
    onProgress: (state, detail) => options.onProgress?.(instanceId, state, detail),
  });

  const started = Date.now();
  const commandId = await runner.send(scripts.documentName, toCommands(snapshotScript(options.root, documentId)), target,
    { ...commandOptions, comment: `IMDS Explorer snapshot of ${options.root}` });

  const results = new Map<string, InstanceSnapshot>(expected.map((id) => [id, { instanceId: id, commands: 1, elapsedMs: 0 }]));
  const firstParts = new Map<string, DocumentPart>();
  await Promise.all(expected.map(async (instanceId) => {
    try {
      firstParts.set(instanceId, parseDocumentPart(outputOf(await wait(commandId, instanceId), options.timeoutSeconds)));
    } catch (error) {
      results.get(instanceId)!.error = documentError(error, instanceId);
    }
  }));

  // Further parts: one command per (part, parts) for every instance that needs it, all at once.
  const parts = new Map<string, DocumentPart[]>([...firstParts].map(([id, part]) => [id, [part]]));
  const followUps = new Map<string, string[]>();
  for (const [instanceId, first] of firstParts) {
    for (let part = 2; part <= first.parts; part++) {
      const key = `${part}/${first.parts}`;
      followUps.set(key, [...(followUps.get(key) ?? []), instanceId]);
    }
  }
  await Promise.all([...followUps].map(async ([key, instanceIds]) => {
    const [part, total] = key.split('/').map(Number);
    for (const id of instanceIds) options.onProgress?.(id, 'reading-parts', `reading part ${part} of ${total}`);
    let partCommand: string;
    try {
      partCommand = await runner.send(scripts.documentName, toCommands(scripts.chunk(documentId, part, total, chunkSize)), { instanceIds },
        { ...commandOptions, comment: `IMDS Explorer snapshot part ${part}/${total}` });
    } catch (error) {
      for (const id of instanceIds) results.get(id)!.error ??= error as Error;
      return;
    }
    await Promise.all(instanceIds.map(async (instanceId) => {
      const result = results.get(instanceId)!;
      result.commands++;
      try {
        parts.get(instanceId)!.push(parseDocumentPart(outputOf(await wait(partCommand, instanceId), options.timeoutSeconds)));
      } catch (error) {
        result.error ??= documentError(error, instanceId);
      }
    }));
  }));
  const kept = [...firstParts].filter(([, first]) => first.parts > 1).map(([id]) => id);
  if (kept.length > 0) {
    // The kept copies are no longer needed; not waited for (the next run removes stale ones anyway).
    void runner.send(scripts.documentName, toCommands(scripts.cleanup(documentId)), { instanceIds: kept },
      { ...commandOptions, comment: 'IMDS Explorer snapshot cleanup' }).catch(() => undefined);
  }

  await Promise.all([...results.values()].map(async (result) => {
    if (result.error || !parts.has(result.instanceId)) {
      result.error ??= new SsmError('ServiceError', `No output came back from ${result.instanceId}.`, 'Refresh to try again.');
      result.elapsedMs = Date.now() - started;
      return;
    }
    try {
      const walk = decodeDocument(assembleDocument(parts.get(result.instanceId)!));
      await completeWalk(result, walk, options, started,
        (subtree) => snapshotInstances(runner, { instanceIds: [result.instanceId] }, [result.instanceId], { ...options, root: subtree }).then((sub) => sub[0]));
    } catch (error) {
      result.error = documentError(error, result.instanceId);
    }
    result.elapsedMs = Date.now() - started;
  }));

  return [...results.values()];
}

/**
 * Replays a decoded walk into `result` (walk, replay, snapshot). Paths the crawl reaches that the
 * walk skipped are read by subtree with `readSubtree` (any transport), then replayed again.
 */
export async function completeWalk(result: InstanceSnapshot, walk: Walk, options: RemoteSnapshotOptions, started: number,
  readSubtree: (root: string) => Promise<InstanceSnapshot>): Promise<void> {
  const replay1 = () => replayWalk(walk, {
    source: options.label(result.instanceId),
    root: options.root,
    showSecrets: options.showSecrets,
    stats: {
      requests: walk.requests,
      tokenRequests: walk.tokenRequests,
      elapsedMs: Date.now() - started,
      ...(walk.mode !== 'unknown' ? { imdsMode: walk.mode } : {}),
    },
  });
  result.walk = walk;
  let replay: Replay = replay1();
  for (let round = 0; replay.missing.length > 0; round++) {
    if (round >= 2 || replay.missing.length > MAX_SUBTREE_READS) {
      throw new SsmError('Document', `The walk on ${result.instanceId} skipped ${replay.missing.length} path(s) (${replay.missing.slice(0, 3).join(', ')}…) that could not be read afterwards.`,
        'Refresh to take the snapshot again; if it persists, report it.');
    }
    for (const subtree of replay.missing) {
      const sub = await readSubtree(subtree);
      result.commands += sub.commands;
      // The subtree's own root may answer an error: its record still counts.
      if (!sub.walk) throw sub.error ?? new Error(`Reading ${subtree} failed.`);
      for (const [path, record] of sub.walk.records) walk.records.set(path, record);
    }
    replay = replay1();
  }
  result.replay = replay;
  result.snapshot = replay.snapshot;
}
