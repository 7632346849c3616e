// The scripts the SSM source runs on an instance through Run Command. Readable on purpose: a
// command shows them, so a security reviewer can see exactly what runs. The snapshot script walks
// the IMDS tree (python3 when present, else curl or GNU wget), masks credentials on the instance,
// and prints one versioned document: gzip + base64 of one record per path, behind a marker line
// with the document's length and checksum. A document longer than one Run Command output holds
// (24,000 characters) is printed in parts: the first here, the others by chunk scripts that read
// the copy the first left on the instance; the client checks the parts form the whole.
//
// What varies per instance (directories the version root lists without a slash, which paths hold
// credentials) comes from the same catalog the client uses (src/imds/catalog.ts).

import { knownPaths } from '../../imds/catalog';
import { parseEndpoint } from '../../imds/endpoint';
import { normalizePath } from '../../imds/paths';
import { POWERSHELL_SNAPSHOT } from './powershellScript';
import { PYTHON_WALKER } from './pythonWalker';
import { SHELL_WALKER } from './shellWalker';

/** Format of the printed document (marker line and records); bumped on any incompatible change. */
export const DOCUMENT_FORMAT = 1;
export const MARKER = 'IMDSX-SSM';
export const END_MARKER = 'IMDSX-SSM-END';
/** Characters of the document per Run Command output: the cap is 24,000 with the marker lines. */
export const DEFAULT_CHUNK_SIZE = 23000;

export type WalkerTool = 'auto' | 'python3' | 'curl' | 'wget';
export type ScriptPlatform = 'linux' | 'windows';

export interface SnapshotScriptOptions {
  /** IMDS endpoint on the instance; empty: $AWS_EC2_METADATA_SERVICE_ENDPOINT there, else http://169.254.169.254. */
  imdsEndpoint?: string;
  /** Subtree to read (default /latest/). */
  root?: string;
  /** IMDSv2 token TTL in seconds, 1..21600 (default 21600). */
  tokenTtlSeconds?: number;
  /** Send SecretAccessKey/Token in clear through SSM (default false: masked on the instance). */
  showSecrets?: boolean;
  /** Names the copy of a long document kept for chunk scripts: 8-32 hex characters. */
  documentId: string;
  chunkSize?: number;
  /** Force one walker (tests); default auto: python3, else curl, else wget. */
  tool?: WalkerTool;
}

export interface ResolvedScriptOptions {
  imdsEndpoint: string;
  root: string;
  tokenTtlSeconds: number;
  showSecrets: boolean;
  documentId: string;
  chunkSize: number;
  tool: WalkerTool;
}

/** Single-quotes a value for POSIX sh: the only character to escape is the quote itself. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Single-quotes a value for PowerShell: a quote is doubled. */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (quote) => quote + quote)}'`;
}

export function validateDocumentId(id: string): string {
  if (!/^[0-9a-f]{8,32}$/.test(id)) throw new Error(`Document id "${id}" must be 8-32 lowercase hex characters.`);
  return id;
}

export function resolveScriptOptions(options: SnapshotScriptOptions): ResolvedScriptOptions {
  const imdsEndpoint = options.imdsEndpoint?.trim() ? parseEndpoint(options.imdsEndpoint, 'IMDS endpoint on the instance') : '';
  const root = normalizePath(options.root ?? '/latest/');
  if (/[\s'"\\]/.test(root)) throw new Error(`Subtree "${root}" contains spaces, quotes or backslashes, which no IMDS path has.`);
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 21600;
  if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds < 1 || tokenTtlSeconds > 21600) {
    throw new RangeError(`Token TTL must be a whole number of seconds from 1 to 21600 (got ${tokenTtlSeconds}).`);
  }
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  // 0: the whole document in one part, for transports without an output cap (sessions).
  if (!Number.isInteger(chunkSize) || (chunkSize !== 0 && (chunkSize < 1000 || chunkSize > DEFAULT_CHUNK_SIZE))) {
    throw new RangeError(`Chunk size must be 0 (one part) or 1000..${DEFAULT_CHUNK_SIZE} characters (got ${chunkSize}).`);
  }
  const tool = options.tool ?? 'auto';
  if (!['auto', 'python3', 'curl', 'wget'].includes(tool)) throw new Error(`Unknown walker tool "${tool}".`);
  return {
    imdsEndpoint,
    root,
    tokenTtlSeconds,
    showSecrets: options.showSecrets ?? false,
    documentId: validateDocumentId(options.documentId),
    chunkSize,
    tool,
  };
}

/** Names the version root lists without a trailing slash that are directories (from the catalog). */
export function versionRootDirectories(): string[] {
  return knownPaths()
    .map((known) => known.path.slice('/latest/'.length))
    .filter((rel) => /^[^/{]+\/$/.test(rel))
    .map((rel) => rel.slice(0, -1));
}

/** Regexes (anchored, any version) of the paths that hold credentials (from the catalog). */
export function secretPathPatterns(): string[] {
  return knownPaths()
    .filter((known) => known.info.secret && !known.info.directory && !known.path.endsWith('/api/token'))
    .map((known) => {
      const rel = known.path.slice('/latest/'.length);
      const body = rel
        .split('/')
        .map((segment) => (segment.startsWith('{') ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
        .join('/');
      return `^/[^/]+/${body}$`;
    });
}

/** The same paths as sh `case` patterns (one `*` for the version, one for a placeholder). */
function secretCasePatterns(): string[] {
  return knownPaths()
    .filter((known) => known.info.secret && !known.info.directory && !known.path.endsWith('/api/token'))
    .map((known) => '/*/' + known.path.slice('/latest/'.length).replace(/\{[^}]+\}/g, '*'));
}

/** The snapshot script for AWS-RunShellScript (Linux, macOS): readable POSIX sh. */
export function buildShellSnapshotScript(options: SnapshotScriptOptions): string {
  const o = resolveScriptOptions(options);
  const header = [
    '#!/bin/sh',
    '# EC2 Instance Metadata Explorer: IMDS snapshot script (document format ' + DOCUMENT_FORMAT + ').',
    '# Reads the instance metadata tree below IMDSX_ROOT from the IMDS endpoint: GET requests, plus one',
    '# PUT for an IMDSv2 session token (IMDSv1 when the endpoint offers none). It changes nothing on the',
    '# instance. It prints one document: gzip + base64 of one line per path (status, body), between',
    `#   ${MARKER} ${DOCUMENT_FORMAT} part=1/N total=<characters> sha256=<hex> id=<id>   and   ${END_MARKER}`,
    '# SecretAccessKey and Token are masked here, before anything leaves the instance, unless',
    '# IMDSX_SECRETS=1. Work files live in a private temp directory removed on exit.',
    ...(o.chunkSize > 0 ? [
      `# A document longer than ${o.chunkSize} characters stays as $TMPDIR/imds-explorer-<id>.b64 (mode 600) until`,
      '# follow-up commands have read its other parts; the next run removes copies older than 30 minutes.',
    ] : ['# IMDSX_CHUNK=0: the whole document is printed in one part (a session has no output cap); no copy is kept.']),
    '',
    `IMDSX_ENDPOINT=${shellQuote(o.imdsEndpoint)}  # empty: $AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254`,
    `IMDSX_ROOT=${shellQuote(o.root)}`,
    `IMDSX_TTL=${o.tokenTtlSeconds}  # IMDSv2 token lifetime, seconds`,
    `IMDSX_SECRETS=${o.showSecrets ? 1 : 0}  # 1: send credentials in clear`,
    `IMDSX_TOOL_CHOICE=${o.tool}  # auto: python3, else curl, else wget`,
    `IMDSX_ID=${o.documentId}`,
    `IMDSX_CHUNK=${o.chunkSize}`,
    '# From the catalog: directories the version root lists without a slash; paths that hold credentials.',
    `IMDSX_ROOT_DIRS=${shellQuote(versionRootDirectories().join(' '))}`,
    `IMDSX_SECRET_RE=${shellQuote(secretPathPatterns().join(' '))}`,
    'imdsx_is_secret() {',
    `  case $1 in ${secretCasePatterns().join('|')}) case $1 in */) return 1 ;; esac; return 0 ;; esac`,
    '  return 1',
    '}',
  ].join('\n');
  return `${header}\n${SHELL_WALKER}\n${ENVELOPE.replace('@PYTHON_WALKER@', () => PYTHON_WALKER.trim())}`;
}

// Chooses the endpoint and walker, then compresses, checksums and prints the document.
const ENVELOPE = String.raw`
imdsx_python() {
  python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 5) else 1)' 2>/dev/null || return 1
  IMDSX_RECORDS="$W/records" python3 - >&2 <<'IMDSX_PYTHON'
@PYTHON_WALKER@
IMDSX_PYTHON
}

imdsx_main() {
  umask 077
  if [ -z "$IMDSX_ENDPOINT" ]; then
    IMDSX_ENDPOINT=$AWS_EC2_METADATA_SERVICE_ENDPOINT
    if [ -z "$IMDSX_ENDPOINT" ]; then
      case $AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE in
        [Ii][Pp][Vv]6) IMDSX_ENDPOINT='http://[fd00:ec2::254]' ;;
        *) IMDSX_ENDPOINT='http://169.254.169.254' ;;
      esac
    fi
  fi
  IMDSX_ENDPOINT=$(printf '%s' "$IMDSX_ENDPOINT" | sed 's:/*$::')
  IMDSX_DIR=$TMPDIR
  [ -n "$IMDSX_DIR" ] && [ -d "$IMDSX_DIR" ] || IMDSX_DIR=/tmp
  find "$IMDSX_DIR" -maxdepth 1 -name 'imds-explorer-*.b64' -mmin +30 -exec rm -f {} + 2>/dev/null
  W=$(mktemp -d "$IMDSX_DIR/imds-explorer-work.XXXXXX") || { echo "imds-explorer: cannot create a temp directory in $IMDSX_DIR" >&2; exit 4; }
  trap 'rm -rf "$W"' EXIT
  trap 'exit 1' INT TERM HUP
  export IMDSX_ENDPOINT IMDSX_ROOT IMDSX_TTL IMDSX_SECRETS IMDSX_ROOT_DIRS IMDSX_SECRET_RE

  IMDSX_TOOL=''
  case $IMDSX_TOOL_CHOICE in
    python3) imdsx_python || { echo 'imds-explorer: python3 (3.5 or later) failed or is missing.' >&2; exit 3; } ;;
    curl|wget) IMDSX_TOOL=$IMDSX_TOOL_CHOICE; imdsx_shell_walk || exit 3 ;;
    *) if command -v python3 >/dev/null 2>&1 && imdsx_python; then :; else imdsx_shell_walk || exit 3; fi ;;
  esac

  { printf 'IMDSX-RECORDS 1\n'; printf 'P endpoint=%s root=%s\n' "$IMDSX_ENDPOINT" "$IMDSX_ROOT"; cat "$W/records"; } \
    | gzip -9c | base64 | tr -d '\n' > "$W/doc"
  total=$(wc -c < "$W/doc" | tr -d ' ')
  if command -v sha256sum >/dev/null 2>&1; then sum="sha256=$(sha256sum < "$W/doc" | cut -d' ' -f1)"
  elif command -v shasum >/dev/null 2>&1; then sum="sha256=$(shasum -a 256 < "$W/doc" | cut -d' ' -f1)"
  else sum="cksum=$(cksum < "$W/doc" | cut -d' ' -f1)"; fi
  if [ "$IMDSX_CHUNK" -gt 0 ]; then parts=$(((total + IMDSX_CHUNK - 1) / IMDSX_CHUNK)); else parts=1; fi
  [ "$parts" -ge 1 ] || parts=1
  if [ "$parts" -gt 1 ]; then
    mv "$W/doc" "$IMDSX_DIR/imds-explorer-$IMDSX_ID.b64" || exit 4
    doc="$IMDSX_DIR/imds-explorer-$IMDSX_ID.b64"
  else
    doc="$W/doc"
  fi
  printf '%s %s part=1/%s total=%s %s id=%s\n' IMDSX-SSM 1 "$parts" "$total" "$sum" "$IMDSX_ID"
  if [ "$parts" -gt 1 ]; then dd if="$doc" bs="$IMDSX_CHUNK" count=1 2>/dev/null; else cat "$doc"; fi
  printf '\n%s\n' IMDSX-SSM-END
}

imdsx_main
`;

/** Follow-up for AWS-RunShellScript: prints part `part` (1-based) of a document the first run kept. */
export function buildShellChunkScript(documentId: string, part: number, parts: number, chunkSize = DEFAULT_CHUNK_SIZE): string {
  validateDocumentId(documentId);
  if (!Number.isInteger(part) || !Number.isInteger(parts) || part < 2 || part > parts) throw new RangeError(`Part ${part} of ${parts} is not a follow-up part.`);
  return [
    '#!/bin/sh',
    `# EC2 Instance Metadata Explorer: prints part ${part} of ${parts} of IMDS snapshot document ${documentId},`,
    '# which the snapshot script left on this instance because it was longer than one command output.',
    `IMDSX_DIR=$TMPDIR; [ -n "$IMDSX_DIR" ] && [ -d "$IMDSX_DIR" ] || IMDSX_DIR=/tmp`,
    `doc="$IMDSX_DIR/imds-explorer-${documentId}.b64"`,
    `if [ ! -r "$doc" ]; then echo "imds-explorer: document ${documentId} is no longer on this instance (temp files cleaned or instance rebooted); take the snapshot again." >&2; exit 5; fi`,
    `printf '%s %s part=%s/%s id=%s\\n' ${MARKER} ${DOCUMENT_FORMAT} ${part} ${parts} ${documentId}`,
    `dd if="$doc" bs=${chunkSize} skip=${part - 1} count=1 2>/dev/null`,
    `printf '\\n%s\\n' ${END_MARKER}`,
  ].join('\n');
}

/** Removes the kept copy of a document once all parts are read. */
export function buildShellCleanupScript(documentId: string): string {
  validateDocumentId(documentId);
  return [
    '#!/bin/sh',
    `# EC2 Instance Metadata Explorer: removes the copy of IMDS snapshot document ${documentId} (all parts were read).`,
    `IMDSX_DIR=$TMPDIR; [ -n "$IMDSX_DIR" ] && [ -d "$IMDSX_DIR" ] || IMDSX_DIR=/tmp`,
    `rm -f "$IMDSX_DIR/imds-explorer-${documentId}.b64"`,
  ].join('\n');
}

/** The snapshot script for AWS-RunPowerShellScript (Windows): Windows PowerShell 5.1 or PowerShell 7. */
export function buildPowerShellSnapshotScript(options: SnapshotScriptOptions): string {
  const o = resolveScriptOptions(options);
  const header = [
    '# EC2 Instance Metadata Explorer: IMDS snapshot script for Windows (document format ' + DOCUMENT_FORMAT + ').',
    '# Reads the instance metadata tree below $ImdsxRoot: GET requests, plus one PUT for an IMDSv2 session',
    '# token (IMDSv1 when the endpoint offers none). It changes nothing on the instance. It prints one',
    `# document (gzip + base64 of one line per path) between "${MARKER} ${DOCUMENT_FORMAT} part=1/N ..." and "${END_MARKER}".`,
    '# SecretAccessKey and Token are masked here unless $ImdsxSecrets is $true. A document longer than',
    `# ${o.chunkSize} characters stays as $env:TEMP\\imds-explorer-<id>.b64 until follow-up commands read its parts.`,
    '',
    `$ImdsxEndpoint = ${powershellQuote(o.imdsEndpoint)}  # empty: $env:AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://169.254.169.254`,
    `$ImdsxRoot = ${powershellQuote(o.root)}`,
    `$ImdsxTtl = ${o.tokenTtlSeconds}`,
    `$ImdsxSecrets = ${o.showSecrets ? '$true' : '$false'}`,
    `$ImdsxId = '${o.documentId}'`,
    `$ImdsxChunk = ${o.chunkSize}`,
    `$ImdsxRootDirs = @(${versionRootDirectories().map(powershellQuote).join(', ')})`,
    `$ImdsxSecretPatterns = @(${secretPathPatterns().map(powershellQuote).join(', ')})`,
  ].join('\n');
  return `${header}\n${POWERSHELL_SNAPSHOT}`;
}

export function buildPowerShellChunkScript(documentId: string, part: number, parts: number, chunkSize = DEFAULT_CHUNK_SIZE): string {
  validateDocumentId(documentId);
  if (!Number.isInteger(part) || !Number.isInteger(parts) || part < 2 || part > parts) throw new RangeError(`Part ${part} of ${parts} is not a follow-up part.`);
  return [
    `# EC2 Instance Metadata Explorer: prints part ${part} of ${parts} of IMDS snapshot document ${documentId}.`,
    `$doc = Join-Path $env:TEMP 'imds-explorer-${documentId}.b64'`,
    `if (-not (Test-Path -LiteralPath $doc)) { [Console]::Error.WriteLine('imds-explorer: document ${documentId} is no longer on this instance; take the snapshot again.'); exit 5 }`,
    '$text = [System.IO.File]::ReadAllText($doc)',
    `$start = ${(part - 1) * chunkSize}`,
    `$length = [Math]::Min(${chunkSize}, $text.Length - $start)`,
    `[Console]::Out.Write('${MARKER} ${DOCUMENT_FORMAT} part=${part}/${parts} id=${documentId}' + [char]10 + $text.Substring($start, $length) + [char]10 + '${END_MARKER}' + [char]10)`,
  ].join('\n');
}

export function buildPowerShellCleanupScript(documentId: string): string {
  validateDocumentId(documentId);
  return [
    `# EC2 Instance Metadata Explorer: removes the copy of IMDS snapshot document ${documentId} (all parts were read).`,
    `Remove-Item -LiteralPath (Join-Path $env:TEMP 'imds-explorer-${documentId}.b64') -ErrorAction SilentlyContinue`,
  ].join('\n');
}

/** Scripts for one platform, so callers need not branch. */
export interface PlatformScripts {
  documentName: 'AWS-RunShellScript' | 'AWS-RunPowerShellScript';
  snapshot(options: SnapshotScriptOptions): string;
  chunk(documentId: string, part: number, parts: number, chunkSize?: number): string;
  cleanup(documentId: string): string;
}

export function scriptsFor(platform: ScriptPlatform): PlatformScripts {
  return platform === 'windows'
    ? { documentName: 'AWS-RunPowerShellScript', snapshot: buildPowerShellSnapshotScript, chunk: buildPowerShellChunkScript, cleanup: buildPowerShellCleanupScript }
    : { documentName: 'AWS-RunShellScript', snapshot: buildShellSnapshotScript, chunk: buildShellChunkScript, cleanup: buildShellCleanupScript };
}

/** The `commands` parameter: the agent joins the lines with newlines into one script file. */
export function toCommands(script: string): string[] {
  return script.split('\n');
}
