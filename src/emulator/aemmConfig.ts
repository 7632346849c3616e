// AEMM (amazon-ec2-metadata-mock) JSON config support. First cut: the types the server consumes;
// the loader that maps AEMM's metadata/dynamic/userdata/spot/events sections follows.
import { InstanceFacts } from './defaultInstance';
import { Faults } from './faults';

/** An AEMM-format config object as read from JSON. */
export type AemmConfig = Record<string, unknown>;

/** What a config resolves to, in the emulator's own terms. */
export interface ResolvedConfig {
  facts?: Partial<InstanceFacts>;
  /** Leaves to set (value) or remove (undefined) on top of the default tree, in order. */
  values?: [path: string, value: Buffer | undefined][];
  userData?: Buffer;
  imdsv2?: 'optional' | 'required';
  scenario?: { name: string; options?: object };
  faults?: Partial<Faults>;
  host?: string;
  port?: number;
}

export async function resolveAemmConfig(_config: AemmConfig | string): Promise<ResolvedConfig> {
  throw new Error('AEMM config loading is not implemented yet.');
}
