// Taking the options a command knows out of those src/cli/imds.ts did not know (ParsedArgs.extra),
// so that what is left over can be refused by name.

export type ExtraOptions = Map<string, string | true>;

/** `--name VALUE`, or undefined when absent. `consume: false` leaves it for another reader (with
 * --ssm, --profile and --region serve SSM too). */
export function takeValue(extra: ExtraOptions, name: string, consume = true): string | undefined {
  const raw = extra.get(name);
  if (consume) extra.delete(name);
  if (raw === undefined) return undefined;
  if (raw === true) throw new Error(`--${name} needs a value.`);
  return raw;
}

/** `--name` without a value. */
export function takeFlag(extra: ExtraOptions, name: string): boolean {
  const raw = extra.get(name);
  extra.delete(name);
  if (raw !== undefined && raw !== true) throw new Error(`--${name} takes no value (got "${raw}").`);
  return raw === true;
}
