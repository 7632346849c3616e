// Copyable commands the report offers. The modify commands run wherever the AWS CLI has EC2 API
// permissions (a laptop, CloudShell), not necessarily on the instance; the instance ID is filled in
// when the doctor could read it.

export const INSTANCE_PLACEHOLDER = '<instance-id>';

export interface Fixes {
  enableEndpoint: string;
  raiseHopLimit: string;
  requireTokens: string;
  enableIpv6Endpoint: string;
  associateProfile: string;
  describeOptions: string;
  describeEvents: string;
}

export function fixesFor(instanceId: string | undefined): Fixes {
  const id = instanceId && /^i-[0-9a-f]+$/.test(instanceId) ? instanceId : INSTANCE_PLACEHOLDER;
  const modify = `aws ec2 modify-instance-metadata-options --instance-id ${id}`;
  return {
    enableEndpoint: `${modify} --http-endpoint enabled`,
    raiseHopLimit: `${modify} --http-put-response-hop-limit 2`,
    requireTokens: `${modify} --http-tokens required`,
    enableIpv6Endpoint: `${modify} --http-protocol-ipv6 enabled`,
    associateProfile: `aws ec2 associate-iam-instance-profile --instance-id ${id} --iam-instance-profile Name=<profile-name>`,
    describeOptions: `aws ec2 describe-instances --instance-ids ${id} --query 'Reservations[].Instances[].MetadataOptions'`,
    describeEvents: `aws ec2 describe-instance-status --include-all-instances --instance-ids ${id} --query 'InstanceStatuses[].Events'`,
  };
}

/** Commands that show which credentials a process on the instance really uses. */
export const WHICH_CREDENTIALS = ['aws configure list', 'aws sts get-caller-identity'];
export const RESTART_SSM_AGENT = 'sudo systemctl restart amazon-ssm-agent';
export const RESTART_SSM_AGENT_SNAP = 'sudo snap restart amazon-ssm-agent';
export const LINKLOCAL_DROPS = 'ethtool -S eth0 | grep linklocal_allowance_exceeded';
