// The fleet posture's data: what the inventory reads per instance and Region, the class each
// instance falls in, and the evidence behind it. Plain data (JSON round-trips) so the CLI's
// --json output is what `imds enforce --from` and the VS Code view read back.
import type { InstanceSummary, MetadataDefaults } from '../aws/ec2/types';

export type PostureClass = 'required' | 'ready' | 'needs-work' | 'disabled' | 'stopped' | 'no-data';

/** Display order: what needs attention first. */
export const CLASS_ORDER: PostureClass[] = ['needs-work', 'ready', 'no-data', 'stopped', 'disabled', 'required'];

export const CLASS_LABELS: Record<PostureClass, string> = {
  required: 'Tokens required (IMDSv2 only)',
  ready: 'Ready to require tokens',
  'needs-work': 'Needs work: tokenless calls seen',
  disabled: 'IMDS disabled',
  stopped: 'Stopped (no metrics)',
  'no-data': 'No data',
};

/** What DescribeInstances says of an instance (Name, state, launch time, MetadataOptions): the EC2 room's summary. */
export type InventoryInstance = InstanceSummary;
/** The Region's account-level defaults for new instances (GetInstanceMetadataDefaults). */
export type AccountDefaults = MetadataDefaults;

/** Daily counts of one metric over the window: only the days that had a datapoint are listed. */
export interface DailyCounts {
  /** Datapoints CloudWatch returned (days the instance reported the metric). */
  daysWithData: number;
  total: number;
  /** [ISO date (YYYY-MM-DD), count] for each day with a count above zero, oldest first. */
  nonZeroDays: [string, number][];
}

export interface Classification {
  class: PostureClass;
  /** One sentence a person can check: the option values and metric sums behind the class. */
  evidence: string;
}

export interface PostureInstance extends InventoryInstance, Classification {
  /** MetadataNoToken over the window (optional-token instances). */
  noToken?: DailyCounts;
  /** MetadataNoTokenRejected over the window (required-token instances). */
  noTokenRejected?: DailyCounts;
}


export interface RegionPosture {
  region: string;
  /** Account-level defaults for new instances (GetInstanceMetadataDefaults); undefined when unreadable. */
  defaults?: AccountDefaults;
  /** Set when the Region could not be read; the other Regions still report. */
  error?: string;
  counts: Record<PostureClass, number>;
  instances: PostureInstance[];
}

export interface PostureReport {
  kind: 'imds-posture';
  version: 1;
  generatedAt: string;
  profile?: string;
  days: number;
  windowStart: string;
  windowEnd: string;
  regions: RegionPosture[];
}

export function emptyCounts(): Record<PostureClass, number> {
  return { required: 0, ready: 0, 'needs-work': 0, disabled: 0, stopped: 0, 'no-data': 0 };
}
