// What each known IMDS category is: a one-line description, where AWS documents it, and how its
// value should be shown (secret, JSON, base64, several lines). Patterns use placeholders for the
// parts that vary per instance: {mac}, {role}, {n} (an index), {name} (device/tag/key name).

import { categoryPath, isVersionSegment } from './paths';

export interface CategoryInfo {
  /** Pattern relative to the version root, e.g. `meta-data/network/interfaces/macs/{mac}/subnet-id`. */
  pattern: string;
  description: string;
  docUrl: string;
  secret: boolean;
  json: boolean;
  base64: boolean;
  multiline: boolean;
  /** True for directories (listings). */
  directory: boolean;
}

const DOCS = 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/';
const CATEGORIES_DOC = `${DOCS}instancedata-data-categories.html`;
const DYNAMIC_DOC = `${DOCS}instancedata-data-categories.html#dynamic-data-categories`;
const CREDENTIALS_DOC = `${DOCS}instance-metadata-security-credentials.html`;
const IDENTITY_DOC = `${DOCS}instance-identity-documents.html`;
const IDENTITY_ROLE_DOC = `${DOCS}iam-roles-for-amazon-ec2.html#ec2-instance-identity-roles`;
const TAGS_DOC = `${DOCS}work-with-tags-in-IMDS.html`;
const USER_DATA_DOC = `${DOCS}user-data.html`;
const SPOT_DOC = `${DOCS}spot-instance-termination-notices.html`;
const REBALANCE_DOC = `${DOCS}rebalance-recommendations.html`;
const EVENTS_DOC = `${DOCS}monitoring-instances-status-check_sched.html`;
const TOKEN_DOC = `${DOCS}configuring-instance-metadata-service.html`;
const VERSIONS_DOC = `${DOCS}configuring-instance-metadata-service.html`;

type Flags = Partial<Pick<CategoryInfo, 'secret' | 'json' | 'base64' | 'multiline' | 'docUrl'>>;

function entry(pattern: string, description: string, flags: Flags = {}): CategoryInfo {
  return {
    pattern,
    description,
    docUrl: flags.docUrl ?? CATEGORIES_DOC,
    secret: flags.secret ?? false,
    json: flags.json ?? false,
    base64: flags.base64 ?? false,
    multiline: flags.multiline ?? false,
    directory: pattern === '' || pattern.endsWith('/'),
  };
}

const NIC = 'meta-data/network/interfaces/macs/{mac}/';

const CATALOG: readonly CategoryInfo[] = [
  entry('', 'Version root: lists dynamic, meta-data and user-data.', { docUrl: VERSIONS_DOC }),
  entry('meta-data/', 'Instance metadata categories.'),
  entry('meta-data/ami-id', 'ID of the AMI the instance was launched from.'),
  entry('meta-data/ami-launch-index', 'Launch order of this instance among those started by one RunInstances call (first is 0).'),
  entry('meta-data/ami-manifest-path', 'Path of the AMI manifest in Amazon S3; "unknown" for EBS-backed AMIs.'),
  entry('meta-data/ancestor-ami-ids', 'AMIs that were rebundled to create this AMI, one per line.', { multiline: true }),
  entry('meta-data/autoscaling/', 'Amazon EC2 Auto Scaling information.'),
  entry('meta-data/autoscaling/target-lifecycle-state', 'Auto Scaling lifecycle state the instance is moving to (InService, Standby, Terminated ...).'),
  entry('meta-data/block-device-mapping/', 'Virtual devices attached at launch or last start.'),
  entry('meta-data/block-device-mapping/ami', 'Virtual device holding the root/boot file system.'),
  entry('meta-data/block-device-mapping/root', 'Device or partition of the root file system.'),
  entry('meta-data/block-device-mapping/swap', 'Virtual device used as swap (some instance types).'),
  entry('meta-data/block-device-mapping/{ebsN}', 'Virtual device of the Nth EBS volume.'),
  entry('meta-data/block-device-mapping/{ephemeralN}', 'Virtual device of the Nth instance store volume (non-NVMe).'),
  entry('meta-data/elastic-gpus/', 'Elastic Graphics accelerators attached to the instance.'),
  entry('meta-data/elastic-gpus/associations/{name}', 'JSON about an attached Elastic Graphics accelerator.', { json: true }),
  entry('meta-data/elastic-inference/', 'Elastic Inference accelerators attached to the instance.'),
  entry('meta-data/elastic-inference/associations/{name}', 'JSON about an attached Elastic Inference accelerator.', { json: true }),
  entry('meta-data/events/', 'Scheduled events and recommendations for the instance.', { docUrl: EVENTS_DOC }),
  entry('meta-data/events/maintenance/', 'Scheduled maintenance events.', { docUrl: EVENTS_DOC }),
  entry('meta-data/events/maintenance/history', 'JSON list of completed or canceled maintenance events.', { json: true, docUrl: EVENTS_DOC }),
  entry('meta-data/events/maintenance/scheduled', 'JSON list of upcoming maintenance events (reboot, stop, retirement).', { json: true, docUrl: EVENTS_DOC }),
  entry('meta-data/events/recommendations/', 'Recommendations from EC2.', { docUrl: REBALANCE_DOC }),
  entry('meta-data/events/recommendations/rebalance', 'JSON with the time a rebalance recommendation was issued (Spot).', { json: true, docUrl: REBALANCE_DOC }),
  entry('meta-data/hostname', 'Private IPv4 DNS hostname of the instance.'),
  entry('meta-data/iam/', 'IAM role information (only when an instance profile is attached).', { docUrl: CREDENTIALS_DOC }),
  entry('meta-data/iam/info', 'JSON about the instance profile: ARN, ID and when it was last updated.', { json: true, docUrl: CREDENTIALS_DOC }),
  entry('meta-data/iam/security-credentials/', 'Lists the role whose temporary credentials the instance holds.', { docUrl: CREDENTIALS_DOC }),
  entry('meta-data/iam/security-credentials/{role}', 'Temporary credentials of the role (AccessKeyId, SecretAccessKey, Token, Expiration). Secret.', { json: true, secret: true, docUrl: CREDENTIALS_DOC }),
  entry('meta-data/identity-credentials/', 'Credentials that identify the instance itself to AWS services.', { docUrl: IDENTITY_ROLE_DOC }),
  entry('meta-data/identity-credentials/ec2/', 'Instance identity role information.', { docUrl: IDENTITY_ROLE_DOC }),
  entry('meta-data/identity-credentials/ec2/info', 'JSON about the instance identity role credentials.', { json: true, docUrl: IDENTITY_ROLE_DOC }),
  entry('meta-data/identity-credentials/ec2/security-credentials/', 'Lists the instance identity role.', { docUrl: IDENTITY_ROLE_DOC }),
  entry('meta-data/identity-credentials/ec2/security-credentials/ec2-instance', 'Instance identity role credentials, used by AWS services on the instance. Secret.', { json: true, secret: true, docUrl: IDENTITY_ROLE_DOC }),
  entry('meta-data/instance-action', 'Pending reboot/stop action for the instance, or "none".'),
  entry('meta-data/instance-id', 'ID of this instance.'),
  entry('meta-data/instance-life-cycle', 'Purchasing option: on-demand, spot or scheduled.'),
  entry('meta-data/instance-type', 'Instance type, e.g. t3.micro.'),
  entry('meta-data/ipv6', 'IPv6 address of the instance (primary interface), if it has one.'),
  entry('meta-data/kernel-id', 'ID of the kernel launched with the instance, if any.'),
  entry('meta-data/local-hostname', 'Private IPv4 DNS hostname (first interface).'),
  entry('meta-data/local-ipv4', 'Private IPv4 address (first interface).'),
  entry('meta-data/mac', 'MAC address of the primary network interface.'),
  entry('meta-data/metrics/', 'Metrics for the instance.'),
  entry('meta-data/metrics/vhostmd', 'No longer available.', { multiline: true }),
  entry('meta-data/network/', 'Network information.'),
  entry('meta-data/network/interfaces/', 'Network interfaces.'),
  entry('meta-data/network/interfaces/macs/', 'One directory per network interface, named by its MAC address.'),
  entry(`${NIC}`, 'One network interface, named by its MAC address.'),
  entry(`${NIC}device-number`, 'Device number of the interface (0 for the primary, eth0).'),
  entry(`${NIC}interface-id`, 'ID of the network interface (eni-...).'),
  entry(`${NIC}ipv4-associations/`, 'Public IPv4 addresses (Elastic IPs) associated with the interface.'),
  entry(`${NIC}ipv4-associations/{name}`, 'Private IPv4 address associated with this public IPv4 address.'),
  entry(`${NIC}ipv4-prefix`, 'IPv4 prefixes assigned to the interface, one per line.', { multiline: true }),
  entry(`${NIC}ipv6-prefix`, 'IPv6 prefixes assigned to the interface, one per line.', { multiline: true }),
  entry(`${NIC}ipv6s`, 'IPv6 addresses of the interface, one per line.', { multiline: true }),
  entry(`${NIC}local-hostname`, 'Private IPv4 DNS hostname of the interface.'),
  entry(`${NIC}local-ipv4s`, 'Private IPv4 addresses of the interface, one per line.', { multiline: true }),
  entry(`${NIC}mac`, 'MAC address of the interface.'),
  entry(`${NIC}network-card-index`, 'Index of the network card the interface is on.'),
  entry(`${NIC}owner-id`, 'Account ID of the interface owner.'),
  entry(`${NIC}public-hostname`, 'Public DNS hostname of the interface (when DNS hostnames are on).'),
  entry(`${NIC}public-ipv4s`, 'Public IPv4 addresses associated with the interface, one per line.', { multiline: true }),
  entry(`${NIC}security-groups`, 'Names of the security groups on the interface, one per line.', { multiline: true }),
  entry(`${NIC}security-group-ids`, 'IDs of the security groups on the interface, one per line.', { multiline: true }),
  entry(`${NIC}subnet-id`, 'ID of the subnet of the interface.'),
  entry(`${NIC}subnet-ipv4-cidr-block`, 'IPv4 CIDR block of the subnet.'),
  entry(`${NIC}subnet-ipv6-cidr-blocks`, 'IPv6 CIDR blocks of the subnet, one per line.', { multiline: true }),
  entry(`${NIC}vpc-id`, 'ID of the VPC of the interface.'),
  entry(`${NIC}vpc-ipv4-cidr-block`, 'Primary IPv4 CIDR block of the VPC.'),
  entry(`${NIC}vpc-ipv4-cidr-blocks`, 'IPv4 CIDR blocks of the VPC, one per line.', { multiline: true }),
  entry(`${NIC}vpc-ipv6-cidr-blocks`, 'IPv6 CIDR blocks of the VPC, one per line.', { multiline: true }),
  entry('meta-data/placement/', 'Where the instance runs.'),
  entry('meta-data/placement/availability-zone', 'Availability Zone of the instance.'),
  entry('meta-data/placement/availability-zone-id', 'Zone ID, the same physical zone in every account (e.g. use1-az4).'),
  entry('meta-data/placement/group-name', 'Placement group of the instance, if any.'),
  entry('meta-data/placement/host-id', 'Dedicated Host ID, if the instance runs on one.'),
  entry('meta-data/placement/partition-number', 'Partition number in a partition placement group.'),
  entry('meta-data/placement/region', 'AWS Region of the instance.'),
  entry('meta-data/profile', 'Virtualization profile of the instance (e.g. default-hvm).'),
  entry('meta-data/product-codes', 'AWS Marketplace product codes of the instance, one per line.', { multiline: true }),
  entry('meta-data/public-hostname', 'Public DNS hostname (when DNS hostnames are on and the instance has a public IP).'),
  entry('meta-data/public-ipv4', 'Public IPv4 address, if any (not an Elastic IP on a secondary interface).'),
  entry('meta-data/public-keys/', 'Public keys given at launch, listed as index=key-name.'),
  entry('meta-data/public-keys/{n}/', 'One public key, in the formats it is available in.'),
  entry('meta-data/public-keys/{n}/openssh-key', 'The public key in OpenSSH format.'),
  entry('meta-data/ramdisk-id', 'ID of the RAM disk launched with the instance, if any.'),
  entry('meta-data/reservation-id', 'ID of the reservation the instance was launched in.'),
  entry('meta-data/security-groups', 'Names of the security groups of the instance, one per line.', { multiline: true }),
  entry('meta-data/services/', 'AWS services information for the Region.'),
  entry('meta-data/services/domain', 'Domain of AWS resources in the Region (e.g. amazonaws.com).'),
  entry('meta-data/services/partition', 'Partition of the Region (aws, aws-cn, aws-us-gov).'),
  entry('meta-data/spot/', 'Spot Instance interruption notices (Spot only).', { docUrl: SPOT_DOC }),
  entry('meta-data/spot/instance-action', 'JSON with the action (stop, hibernate, terminate) and time of a pending Spot interruption.', { json: true, docUrl: SPOT_DOC }),
  entry('meta-data/spot/termination-time', 'Time the Spot Instance will be interrupted (older form of instance-action).', { docUrl: SPOT_DOC }),
  entry('meta-data/system', 'Hypervisor family the instance runs on: nitro or xen.'),
  entry('meta-data/tags/', 'Instance tags (only when tags in metadata are turned on).', { docUrl: TAGS_DOC }),
  entry('meta-data/tags/instance/', 'Tag keys of the instance, one per line.', { docUrl: TAGS_DOC }),
  entry('meta-data/tags/instance/{name}', 'Value of one instance tag.', { docUrl: TAGS_DOC }),
  entry('dynamic/', 'Dynamic data generated at launch.', { docUrl: DYNAMIC_DOC }),
  entry('dynamic/fws/', 'Value-added services data.', { docUrl: DYNAMIC_DOC }),
  entry('dynamic/fws/instance-monitoring', 'Whether detailed one-minute CloudWatch monitoring is on: enabled or disabled.', { docUrl: DYNAMIC_DOC }),
  entry('dynamic/instance-identity/', 'Instance identity document and its signatures.', { docUrl: IDENTITY_DOC }),
  entry('dynamic/instance-identity/document', 'JSON identity document: account, Region, instance ID and type, AMI, private IP, launch time.', { json: true, docUrl: IDENTITY_DOC }),
  entry('dynamic/instance-identity/pkcs7', 'PKCS7 signature of the identity document (base64), to verify it with the AWS public certificate.', { base64: true, multiline: true, docUrl: IDENTITY_DOC }),
  entry('dynamic/instance-identity/signature', 'SHA256-RSA signature of the identity document (base64).', { base64: true, multiline: true, docUrl: IDENTITY_DOC }),
  entry('dynamic/instance-identity/rsa2048', 'RSA-2048 PKCS7 signature of the identity document (base64).', { base64: true, multiline: true, docUrl: IDENTITY_DOC }),
  entry('user-data', 'User data given at launch (raw bytes: script, cloud-config, MIME, gzip ...). At most 16 KB.', { multiline: true, docUrl: USER_DATA_DOC }),
  entry('api/token', 'IMDSv2 session token endpoint (PUT only). Secret.', { secret: true, docUrl: TOKEN_DOC }),
];

// Placeholder → what a segment must look like to match it.
const PLACEHOLDERS: Record<string, RegExp> = {
  '{mac}': /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i,
  '{n}': /^\d+$/,
  '{role}': /^[^/]+$/,
  '{name}': /^[^/]+$/,
  '{ebsN}': /^ebs\d+$/,
  '{ephemeralN}': /^ephemeral\d+$/,
};

function segmentMatches(patternSegment: string, segment: string): boolean {
  const placeholder = PLACEHOLDERS[patternSegment];
  return placeholder ? placeholder.test(segment) : patternSegment === segment;
}

function splitPattern(pattern: string): string[] {
  return pattern === '' ? [] : pattern.replace(/\/$/, '').split('/');
}

const COMPILED = CATALOG.map((info) => ({ info, segments: splitPattern(info.pattern), placeholders: (info.pattern.match(/\{/g) ?? []).length }));

/**
 * The category of an IMDS path (any version; `/latest/meta-data/iam/info`), or undefined when the
 * path is not one the catalog knows. Exact names win over placeholders.
 */
export function lookupCategory(path: string): CategoryInfo | undefined {
  const trimmed = path.trim();
  const isDir = trimmed.endsWith('/');
  const rel = categoryPath(trimmed.startsWith('/') ? trimmed : '/' + trimmed);
  const first = trimmed.replace(/^\/+/, '').split('/', 1)[0];
  if (first !== '' && !isVersionSegment(first) && !['meta-data', 'dynamic', 'user-data', 'api'].includes(first)) return undefined;
  const segments = rel.replace(/\/$/, '').split('/').filter((s) => s !== '');
  const find = (directory: boolean) => {
    let best: (typeof COMPILED)[number] | undefined;
    for (const candidate of COMPILED) {
      if (candidate.info.directory !== directory || candidate.segments.length !== segments.length) continue;
      if (!candidate.segments.every((s, i) => segmentMatches(s, segments[i]))) continue;
      if (!best || candidate.placeholders < best.placeholders) best = candidate;
    }
    return best?.info;
  };
  // A directory typed without its slash (`meta-data`) still finds its entry.
  return find(isDir || segments.length === 0) ?? find(!isDir);
}

export interface KnownPath {
  /** Absolute path under /latest, with placeholders where the instance decides (`{mac}`, `{role}`). */
  path: string;
  /** True when the path has placeholders that must be replaced before it can be read. */
  template: boolean;
  info: CategoryInfo;
}

/** Every catalogued path under /latest, for a "go to path" picker. */
export function knownPaths(): KnownPath[] {
  return CATALOG.map((info) => ({ path: `/latest/${info.pattern}`, template: info.pattern.includes('{'), info }));
}
