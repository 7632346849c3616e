// The command line a session runs. AWS-StartNonInteractiveCommand splits it like a shell line and
// executes it without a shell, so the walker goes inside an explicit `sh -c`. The readable script
// travels gzip'd and base64'd (about half its size, and nothing in it needs quoting); the line
// names the script's SHA-256, which "IMDS: Show SSM Script" shows next to the readable text, and
// the instance checks the decoded script against it before running it (when sha256sum exists).

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/**
 * Longest command line we send. The StartSession parameter limit is not documented (believed to be
 * 65,535 characters) and Linux limits one argument to 128 KiB; 32,000 stays well inside both. The
 * Linux walker takes about 10,000 (test/unit/ssm/sessionCommand.test.ts measures it).
 */
export const MAX_SESSION_COMMAND_CHARS = 32_000;

export interface SessionCommand {
  /** What StartSession's `command` parameter carries. */
  command: string;
  /** SHA-256 (hex) of the readable script, as "Show SSM Script" shows it. */
  scriptSha256: string;
  scriptChars: number;
}

export function scriptSha256(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

export function buildSessionCommand(script: string): SessionCommand {
  const hash = scriptSha256(script);
  const packed = gzipSync(Buffer.from(script, 'utf8'), { level: 9 }).toString('base64');
  // $0 of the inner sh names the hash, so it shows in the session history and in ps on the instance.
  const inner = [
    'd=$(mktemp -d) || exit 4',
    'trap "rm -rf $d" EXIT',
    `printf %s ${packed} | base64 -d | gzip -dc > "$d/s" || { echo "imds-explorer: cannot unpack the snapshot script" >&2; exit 4; }`,
    `if command -v sha256sum >/dev/null 2>&1; then [ "$(sha256sum < "$d/s" | cut -c1-64)" = "\${0#imds-explorer-sha256=}" ] || { echo "imds-explorer: the snapshot script does not match its SHA-256" >&2; exit 4; }; fi`,
    'sh "$d/s"',
  ].join('; ');
  if (inner.includes("'")) throw new Error('The session command must not contain single quotes.');
  const command = `sh -c '${inner}' imds-explorer-sha256=${hash}`;
  if (command.length > MAX_SESSION_COMMAND_CHARS) {
    throw new RangeError(`The session command has ${command.length} characters, more than the ${MAX_SESSION_COMMAND_CHARS} allowed.`);
  }
  return { command, scriptSha256: hash, scriptChars: script.length };
}
