// The doctor's report: one entry per check, each with the evidence it read and what to do about it.
// JSON-able, so the CLI prints it with --json and the extension renders it as it comes.

import type { AccountChange } from '../aws/ec2/change';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'info' | 'skip';

export type CheckId =
  | 'location'
  | 'env-imds'
  | 'reach-ipv4'
  | 'reach-ipv6'
  | 'imds-enabled'
  | 'imdsv2-token'
  | 'imdsv1'
  | 'hop-limit'
  | 'throttling'
  | 'iam-role'
  | 'iam-credentials'
  | 'iam-cached-credentials'
  | 'credential-chain'
  | 'user-data-size'
  | 'spot-interruption'
  | 'rebalance'
  | 'scheduled-events'
  | 'ec2-settings'
  | 'ec2-tokens'
  | 'ec2-hop-limit'
  | 'ec2-role-association'
  | 'ec2-account-defaults';

export interface DoctorCheck {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** One sentence: the verdict in words. */
  summary: string;
  /** What was read: statuses, timings, values. Never a secret (keys, session tokens, IMDSv2 tokens). */
  evidence: string[];
  /** What to do, in the order worth trying. */
  advice: string[];
  /** Copyable commands that fix or inspect the problem (safe to copy; nothing runs them for you). */
  commands?: string[];
  /** Ids of code snippets (src/snippets registry) worth inserting, e.g. `bash-imdsv2-container`. */
  snippets?: string[];
  /** The EC2 API change that fixes this finding (the extension offers Apply…; nothing runs it unasked). */
  fix?: AccountChange;
}

/** One HTTP exchange the doctor made. Never carries a body, a token or a credential. */
export interface Exchange {
  method: 'GET' | 'PUT';
  /** Origin the request went to, e.g. `http://169.254.169.254`. */
  origin: string;
  path: string;
  /** Whether the request carried an IMDSv2 token. */
  withToken: boolean;
  /** HTTP status, or 0 when no answer came. */
  status: number;
  outcome: ProbeOutcome;
  /** Time to the response headers (the first bytes), when they came. */
  firstByteMs?: number;
  totalMs: number;
  bytes?: number;
  /** Transport error code (ECONNREFUSED, UND_ERR_HEADERS_TIMEOUT ...) when no answer came. */
  errorCode?: string;
}

export type ProbeOutcome = 'answered' | 'timeout' | 'connect-timeout' | 'refused' | 'unreachable' | 'reset' | 'error';

/** Where the doctor ran, which decides what it can check. */
export type DoctorWhere = 'instance' | 'emulator' | 'endpoint' | 'ssm' | 'file';

export interface ReportTarget {
  where: DoctorWhere;
  label: string;
  /** The HTTP endpoints probed (instance, emulator, endpoint targets). */
  endpoints?: { ipv4?: string; ipv6?: string };
}

export interface DoctorReport {
  format: 'imds-doctor-report';
  version: 1;
  target: ReportTarget;
  /** One line: where the checks ran, e.g. `on EC2 instance i-0abc (sys_vendor is "Amazon EC2")`. */
  ranOn: string;
  instanceId?: string;
  startedAt: string;
  elapsedMs: number;
  /** `fail` if any check failed, else `warn` if any warned, else `pass`. */
  verdict: 'pass' | 'warn' | 'fail';
  counts: Record<CheckStatus, number>;
  checks: DoctorCheck[];
  exchanges: Exchange[];
}
