// Where the doctor ran: on an EC2 instance (DMI evidence and an answering IMDS), against the local
// emulator, against some other endpoint, or from an SSM / saved snapshot. Every fix reads
// differently depending on it, so it comes first.

import type { Ec2Evidence } from '../../sources/detectEc2';
import type { DoctorCheck } from '../types';
import type { DoctorTarget } from '../target';

export interface LocationInput {
  target: DoctorTarget;
  ec2?: Ec2Evidence;
  /** The instance ID read from IMDS (or the snapshot), when it could be. */
  instanceId?: string;
  /** True when some endpoint answered (HTTP targets). */
  answered?: boolean;
  snapshot?: { source: string; takenAt: string; entries: number };
  snapshotError?: string;
  /** What to do about it, when the error said (IMDS and SSM errors carry a remedy). */
  snapshotRemedy?: string;
}

const TITLE = 'Where the doctor ran';

export function runLocationCheck(input: LocationInput): { check: DoctorCheck; ranOn: string } {
  const { target, ec2, instanceId } = input;
  const evidence: string[] = [];
  if (ec2) evidence.push(...(ec2.evidence.length > 0 ? ec2.evidence.map((e) => `DMI: ${e}`) : ['DMI: no sign of EC2 (sys_vendor, board_asset_tag, product_uuid, hypervisor UUID)']));
  if (instanceId) evidence.push(`meta-data/instance-id: ${instanceId}`);
  const id = instanceId ?? ec2?.instanceId;

  if (target.kind === 'snapshot') {
    if (input.snapshotError) {
      return {
        ranOn: `through ${target.where === 'ssm' ? 'SSM' : 'a snapshot'} (${target.label}), which failed`,
        check: { id: 'location', title: TITLE, status: 'fail', summary: `Could not read a snapshot from ${target.label}: ${input.snapshotError}`, evidence, advice: [input.snapshotRemedy ? `${input.snapshotRemedy} Then run the doctor again.` : 'Fix the source (see the message), then run the doctor again.'] },
      };
    }
    const snap = input.snapshot!;
    evidence.push(`snapshot "${snap.source}" taken at ${snap.takenAt}, ${snap.entries} paths`);
    // The SSM source says which transport served the snapshot, and why `auto` fell back, if it did.
    const transport = target.source?.state?.().transport;
    if (transport) evidence.push(`transport: ${transport}`);
    const via = target.where === 'ssm' ? `through SSM ${transport?.replace(/ \(.*$/, '') ?? 'Run Command'} on ${id ?? target.label}` : `from the saved snapshot ${target.label}`;
    return {
      ranOn: `${via}, from a snapshot taken at ${snap.takenAt}`,
      check: {
        id: 'location', title: TITLE, status: 'info',
        summary: `Ran ${via}: the checks read the snapshot's recorded statuses and values; checks of the HTTP exchange itself are skipped.`,
        evidence,
        advice: ['To check reachability, tokens, the hop limit and the environment of programs on the instance, run imds doctor on the instance (Remote-SSH, or a shell through SSM Session Manager).'],
      },
    };
  }

  const endpoints = Object.values(target.endpoints).join(' and ');
  if (target.where === 'emulator') {
    return {
      ranOn: `against the local IMDS emulator (${endpoints})`,
      check: {
        id: 'location', title: TITLE, status: 'info',
        summary: `Ran against the local IMDS emulator at ${endpoints}, not an EC2 instance: commands that change instance settings apply to a real instance.`,
        evidence: [...evidence, `endpoint: ${endpoints}`],
        advice: [],
      },
    };
  }
  if (target.where === 'endpoint') {
    return {
      ranOn: `against the endpoint ${endpoints} from this machine${ec2?.onEc2 ? ' (an EC2 instance)' : ''}`,
      check: { id: 'location', title: TITLE, status: 'info', summary: `Ran against the IMDS-compatible endpoint ${endpoints} from this machine.`, evidence: [...evidence, `endpoint: ${endpoints}`], advice: [] },
    };
  }
  // The instance's own link-local endpoints.
  if (ec2?.onEc2 && input.answered) {
    return {
      ranOn: `on EC2 instance ${id ?? '(ID unknown)'}`,
      check: { id: 'location', title: TITLE, status: 'info', summary: `Ran on the EC2 instance${id ? ` ${id}` : ''} itself, against its own IMDS.`, evidence, advice: [] },
    };
  }
  if (input.answered) {
    return {
      ranOn: `on a machine where IMDS answers at ${endpoints}${id ? ` (instance ${id})` : ''}`,
      check: {
        id: 'location', title: TITLE, status: 'info',
        summary: `IMDS answered at the link-local address${id ? ` (instance ${id})` : ''}, though this machine shows no EC2 DMI evidence: a container or VM on an instance, or something standing in for IMDS.`,
        evidence,
        advice: [],
      },
    };
  }
  return {
    ranOn: 'on a machine where no IMDS answers (not an EC2 instance?)',
    check: {
      id: 'location', title: TITLE, status: 'info',
      summary: ec2?.onEc2 ? 'This machine is an EC2 instance, but its IMDS does not answer: see the checks below.' : 'This machine does not look like an EC2 instance, and no IMDS answers at the link-local addresses.',
      evidence,
      advice: ec2?.onEc2 ? [] : ['Only an instance reaches its own IMDS. Run the doctor on the instance (Remote-SSH), through the SSM source, or against the built-in emulator.'],
    },
  };
}
