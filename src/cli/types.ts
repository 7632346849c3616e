// Types shared by the `imds` command and the commands it hands over to (doctor, and later ones),
// in a module of their own so that neither has to import the other for them.
import type { Env } from '../imds/endpoint';

export interface ParsedArgs {
  command?: string;
  positionals: string[];
  /** Options this file knows. */
  flags: Set<string>;
  values: Map<string, string>;
  /** Options it does not know (name without dashes → value, or true), for source factories. */
  extra: Map<string, string | true>;
}

export interface CliIo {
  stdout: (data: string | Buffer) => void;
  stderr: (line: string) => void;
  env: Env;
  /** Aborted on Ctrl-C: a running enforce finishes the calls in flight and stops. */
  signal?: AbortSignal;
  /** Asks yes/no on a terminal (imds ec2 set); absent without one. */
  confirm?: (question: string) => Promise<boolean>;
}
