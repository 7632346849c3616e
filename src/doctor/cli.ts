// `imds doctor [--json | --markdown] [--verbose] [--token-timeout MS]`: the doctor in a terminal,
// against whatever source the imds CLI makes from its options. Exit status: 0 when no check
// failed, 1 when one did (so scripts can gate on it); usage errors stay 2, as in the rest of the CLI.

import type { CliIo, ParsedArgs } from '../cli/types';
import type { MetadataSource } from '../imds/types';
import { renderReportMarkdown } from './render/markdown';
import { renderReportText } from './render/text';
import { runDoctor, type DoctorOptions } from './run';
import { instanceTarget, targetFromSource, type DoctorTarget } from './target';
import { doctorEc2FromArgs } from '../cli/ec2';

export const DOCTOR_USAGE = `  doctor                 diagnose IMDS access: reachability, tokens, hop limit, IAM role,
                         environment, user-data size, pending events (exit 1 if a check fails)
      --instance ID      also compare with the instance's EC2 API settings (see ec2 below)
      --json             print the report as JSON
      --markdown         print the report as Markdown
      --token-timeout MS how long the token PUT may take before it counts as lost (default 2000)`;

/** Takes a doctor-only option out of `extra`, so the source factory does not see it as unknown. */
function takeExtra(args: ParsedArgs, name: string): string | true | undefined {
  const value = args.extra.get(name);
  args.extra.delete(name);
  return value;
}

function positiveMs(raw: string | true | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === true || !Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number of milliseconds (got ${raw === true ? 'nothing' : `"${raw}"`}).`);
  return value;
}

/**
 * Runs the doctor. Without --endpoint, a direct source means "this machine": both link-local
 * endpoints are probed, whatever AWS_EC2_METADATA_SERVICE_ENDPOINT says (the environment check
 * reports that variable instead of following it).
 */
export async function doctorCommand(args: ParsedArgs, io: CliIo, source: () => MetadataSource): Promise<number> {
  const markdown = takeExtra(args, 'markdown') !== undefined;
  const tokenTimeoutMs = positiveMs(takeExtra(args, 'token-timeout'), 'token-timeout');
  const json = args.flags.has('json');
  if (json && markdown) throw new Error('--json and --markdown both choose the output: give one.');
  if (args.positionals.length > 0) throw new Error(`doctor takes no arguments (got "${args.positionals[0]}").`);
  const ec2 = doctorEc2FromArgs(args.extra);
  const made = source();
  let target: DoctorTarget;
  if (made.kind === 'direct' && !args.values.has('endpoint')) {
    target = instanceTarget({ env: args.flags.has('ipv6') ? { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' } : io.env });
  } else {
    target = targetFromSource(made);
  }
  const timeout = args.values.get('timeout');
  const options: DoctorOptions = { env: io.env, tokenTimeoutMs, ...(ec2 ? { ec2 } : {}) };
  if (timeout !== undefined) options.requestTimeoutMs = positiveMs(timeout, 'timeout');
  if (args.flags.has('verbose')) options.onProgress = (stage) => io.stderr(`doctor: ${stage}…`);
  const report = await runDoctor(target, options);
  if (json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else if (markdown) io.stdout(renderReportMarkdown(report));
  else io.stdout(renderReportText(report, { colour: process.stdout.isTTY === true && !('NO_COLOR' in io.env), verbose: args.flags.has('verbose') }));
  return report.verdict === 'fail' ? 1 : 0;
}
