// A snapshot of one instance through one Session Manager session: the same walker and document as
// Run Command, printed whole (no 24,000-character parts, so no copy is left on the instance and no
// follow-up commands), decoded and replayed by the same code. A session sends no exit code, so
// success is the document's marker and checksum; without them the script's own words explain.

import type { SsmConnection } from '../awsClient';
import { decodeDocument, DocumentError, parseDocumentPart, assembleDocument } from '../document';
import { SsmError } from '../errors';
import { completeWalk, documentError, type InstanceSnapshot, type RemoteSnapshotOptions } from '../remoteSnapshot';
import { buildShellSnapshotScript } from '../script';
import { buildSessionCommand } from './command';
import type { DataKeySource } from './kms';
import { runSessionCommand, type SessionRun } from './sessionRunner';

export interface SessionSnapshotOptions extends RemoteSnapshotOptions {
  dataKeys?: DataKeySource;
  log?: (line: string) => void;
  profile?: string;
  /** Fixed id, so the script and its SHA-256 match what "Show SSM Script" shows. */
  documentId: string;
  handshakeTimeoutMs?: number;
}

export interface SessionSnapshot extends InstanceSnapshot {
  /** Sessions used (1 unless the walk skipped paths that were read afterwards). */
  sessions: SessionRun[];
}

function tail(text: string, max = 1500): string {
  const trimmed = text.trim();
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed;
}

/** The script's stdout+stderr as the session delivered it; throws what a missing document means. */
export function documentOfSession(run: SessionRun, instanceId: string): string {
  const output = run.output.toString('utf8');
  const stderr = run.stderr.toString('utf8').trim();
  if (output.includes('\nIMDSX-SSM ') || output.startsWith('IMDSX-SSM ')) return output;
  if (stderr && !output.trim()) {
    throw new SsmError('SessionFailed', `The agent on ${instanceId} could not run the snapshot command: ${tail(stderr)}`,
      'The session document runs `sh -c …`: check that /bin/sh exists on the instance, or use Run Command (imdsExplorer.ssm.transport: runCommand).');
  }
  const said = output.replace(/^imds-explorer: /gm, '').trim();
  if (/none of python3, curl or wget|only BusyBox wget|python3 \(3\.5 or later\) failed/.test(output)) {
    throw new SsmError('NoHttpTool', `The snapshot script cannot read IMDS on ${instanceId}: ${tail(said)}`, 'Install curl or python3 on the instance (or use another instance).');
  }
  throw new SsmError('ScriptFailed', `The snapshot script printed no document on ${instanceId}${said ? `: ${tail(said)}` : ' (no output at all)'}.`,
    'Read the output above; "IMDS: Show SSM Script" shows what ran. A session runs as ssm-user, not root: if IMDS is limited to some users on the instance, use Run Command.');
}

export async function snapshotThroughSession(connection: SsmConnection, instanceId: string, options: SessionSnapshotOptions): Promise<SessionSnapshot> {
  const started = Date.now();
  const result: SessionSnapshot = { instanceId, commands: 0, elapsedMs: 0, sessions: [] };
  const script = buildShellSnapshotScript({
    imdsEndpoint: options.imdsEndpoint, root: options.root, tokenTtlSeconds: options.tokenTtlSeconds, showSecrets: options.showSecrets,
    documentId: options.documentId, chunkSize: 0, tool: options.tool,
  });
  const { command, scriptSha256 } = buildSessionCommand(script);
  options.onProgress?.(instanceId, 'sent', 'starting a Session Manager session');
  const run = await runSessionCommand(connection, {
    instanceId,
    command,
    timeoutMs: options.timeoutSeconds * 1000,
    signal: options.signal,
    reason: `IMDS Explorer snapshot of ${options.root} (script sha256 ${scriptSha256.slice(0, 16)}…)`,
    dataKeys: options.dataKeys,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    log: options.log,
    context: { profile: options.profile },
  });
  result.sessions.push(run);
  result.commands++;
  options.onProgress?.(instanceId, 'done', `session ${run.sessionId} ended`);
  try {
    const part = parseDocumentPart(documentOfSession(run, instanceId));
    if (part.parts !== 1) throw new DocumentError(`A session document came in ${part.parts} parts; it should be one.`);
    const walk = decodeDocument(assembleDocument([part]));
    await completeWalk(result, walk, options, started, async (subtree) => {
      const sub = await snapshotThroughSession(connection, instanceId, { ...options, root: subtree });
      result.sessions.push(...sub.sessions);
      return sub;
    });
  } catch (error) {
    throw documentError(error, instanceId);
  }
  result.elapsedMs = Date.now() - started;
  return result;
}
