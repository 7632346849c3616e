// The emulated instance: one fixed, deterministic on-demand Linux instance, so tests and docs can
// name the values they expect. Only credentials (and scenario timestamps) change over time.
// All addresses are documentation ranges or private ranges: nothing here is a real host.

export interface InstanceFacts {
  accountId: string;
  region: string;
  availabilityZone: string;
  availabilityZoneId: string;
  instanceId: string;
  instanceType: string;
  imageId: string;
  architecture: string;
  reservationId: string;
  amiLaunchIndex: string;
  mac: string;
  interfaceId: string;
  privateIp: string;
  localHostname: string;
  publicIp: string;
  publicHostname: string;
  subnetId: string;
  subnetCidr: string;
  vpcId: string;
  vpcCidr: string;
  securityGroupName: string;
  securityGroupId: string;
  roleName: string;
  instanceProfileId: string;
  keyName: string;
  /** Instance launch time (ISO-8601, whole seconds): identity document `pendingTime`. */
  pendingTime: string;
  tags: Readonly<Record<string, string>>;
}

export const defaultInstance: Readonly<InstanceFacts> = Object.freeze({
  accountId: '123456789012',
  region: 'us-east-1',
  availabilityZone: 'us-east-1a',
  availabilityZoneId: 'use1-az4',
  instanceId: 'i-0123456789abcdef0',
  instanceType: 't3.micro',
  imageId: 'ami-0abcdef1234567890',
  architecture: 'x86_64',
  reservationId: 'r-0fedcba9876543210',
  amiLaunchIndex: '0',
  mac: '0e:49:61:0f:c3:11',
  interfaceId: 'eni-0a1b2c3d4e5f60718',
  privateIp: '172.31.16.42',
  localHostname: 'ip-172-31-16-42.ec2.internal',
  publicIp: '203.0.113.25',
  publicHostname: 'ec2-203-0-113-25.compute-1.amazonaws.com',
  subnetId: 'subnet-0123456789abcdef0',
  subnetCidr: '172.31.16.0/20',
  vpcId: 'vpc-0a1b2c3d4e5f67890',
  vpcCidr: '172.31.0.0/16',
  securityGroupName: 'imds-explorer-demo-sg',
  securityGroupId: 'sg-0123456789abcdef0',
  roleName: 'ImdsExplorerDemoRole',
  instanceProfileId: 'AIPAEMULATOR0EXAMPLE',
  keyName: 'my-key',
  pendingTime: '2024-01-15T09:30:00Z',
  tags: Object.freeze({ Name: 'imds-explorer-demo', Environment: 'dev' }),
});

/** Default user-data served at /latest/user-data: a small cloud-config, as many instances have. */
export const defaultUserData =
  '#cloud-config\n' +
  '# user-data served by the IMDS emulator (replace it with --user-data FILE)\n' +
  'packages:\n' +
  '  - jq\n' +
  'runcmd:\n' +
  '  - echo "hello from the IMDS emulator" > /tmp/hello.txt\n';

/** Versions listed at `/`, oldest first, as the real service lists them. */
export const imdsVersions: readonly string[] = Object.freeze([
  '1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01',
  '2008-09-01', '2009-04-04', '2011-01-01', '2011-05-01', '2012-01-12', '2014-02-25',
  '2014-11-05', '2015-10-20', '2016-04-19', '2016-06-30', '2016-09-02', '2018-03-28',
  '2018-08-17', '2018-09-24', '2019-10-01', '2020-10-27', '2021-01-03', '2021-03-23',
  '2021-07-15', '2022-09-24', 'latest',
]);

/** A fake but well-formed OpenSSH public key (not the public half of any real private key). */
export function fakeOpenSshKey(keyName: string): string {
  return (
    'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEmUlAtOrImDsExPlOrErFaKeKeYnOtReAl0123456789 ' + keyName
  );
}
