// Errors of the EC2 API calls, each with what happened and what to do. EC2 answers errors as
// `<Response><Errors><Error><Code>`: the SDK turns the Code into the exception's name. A missing
// permission (UnauthorizedOperation) names the IAM action, so the doctor can say which to add.
// Credential and network errors are the same as for SSM: describeAwsError words them.

import { describeAwsError } from '../../sources/ssm/errors';

export type Ec2ErrorCode =
  | 'Unauthorized'
  | 'Throttled'
  | 'NotFound'
  | 'InvalidRequest'
  | 'Managed'
  | 'Cancelled'
  | 'TimedOut'
  | 'Credentials'
  | 'EndpointUnreachable'
  | 'ServiceError';

/** The IAM action behind each EC2 operation this extension calls. */
export const EC2_ACTIONS: Readonly<Record<string, string>> = Object.freeze({
  DescribeInstances: 'ec2:DescribeInstances',
  DescribeIamInstanceProfileAssociations: 'ec2:DescribeIamInstanceProfileAssociations',
  GetInstanceMetadataDefaults: 'ec2:GetInstanceMetadataDefaults',
  ModifyInstanceMetadataOptions: 'ec2:ModifyInstanceMetadataOptions',
  ModifyInstanceMetadataDefaults: 'ec2:ModifyInstanceMetadataDefaults',
  DescribeRegions: 'ec2:DescribeRegions',
});

export class Ec2Error extends Error {
  readonly code: Ec2ErrorCode;
  readonly remedy: string;
  /** The IAM action that was refused (Unauthorized only). */
  readonly permission?: string;
  /** EC2's encoded authorization message (decode with aws sts decode-authorization-message). */
  readonly encodedMessage?: string;

  constructor(code: Ec2ErrorCode, message: string, remedy: string, extra: { permission?: string; encodedMessage?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'Ec2Error';
    this.code = code;
    this.remedy = remedy;
    if (extra.permission) this.permission = extra.permission;
    if (extra.encodedMessage) this.encodedMessage = extra.encodedMessage;
  }

  toLine(): string {
    return `${this.message} ${this.remedy}`;
  }

  /** The JSON-able form the tree and the doctor keep. */
  toUnavailable(): { unavailable: { code: string; message: string; remedy: string; permission?: string } } {
    return { unavailable: { code: this.code, message: this.message, remedy: this.remedy, ...(this.permission ? { permission: this.permission } : {}) } };
  }
}

/** Also true for an Ec2Error made by another bundle's copy of this class (dist/lazy/ vs the caller's). */
export function isEc2Error(error: unknown): error is Ec2Error {
  if (error instanceof Ec2Error) return true;
  const e = error as { name?: unknown; remedy?: unknown; toLine?: unknown } | undefined;
  return e?.name === 'Ec2Error' && typeof e.remedy === 'string' && typeof e.toLine === 'function';
}

export interface Ec2ErrorContext {
  operation: string;
  region?: string;
  profile?: string;
  instanceId?: string;
  endpoint?: string;
}

function nameOf(error: unknown): string {
  const named = error as { name?: unknown; Code?: unknown } | undefined;
  for (const value of [named?.name, named?.Code]) if (typeof value === 'string' && value !== 'Error') return value;
  return '';
}

/** Turns what the SDK threw into an Ec2Error; Ec2Errors pass through. */
export function describeEc2Error(error: unknown, context: Ec2ErrorContext): Ec2Error {
  if (isEc2Error(error)) return error;
  const name = nameOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = context.region ? ` in ${context.region}` : '';
  const action = EC2_ACTIONS[context.operation] ?? `ec2:${context.operation}`;
  const who = /User: (\S+) is not authorized/.exec(message)?.[1];
  switch (name) {
    case 'UnauthorizedOperation':
    case 'AccessDenied':
    case 'AccessDeniedException': {
      const denied = /not authorized to perform: (ec2:\w+)/.exec(message)?.[1] ?? action;
      const encodedMessage = /Encoded authorization failure message: (\S+)/.exec(message)?.[1];
      return new Ec2Error('Unauthorized', `${who ?? 'Your AWS identity'} is not allowed to call ${denied}${where}.`,
        `Add ${denied} to its IAM policy, or use a profile that has it.${encodedMessage ? ' The reason in full: aws sts decode-authorization-message --encoded-message <message>.' : ''}`,
        { permission: denied, encodedMessage, cause: error });
    }
    case 'RequestLimitExceeded':
    case 'Throttling':
    case 'ThrottlingException':
      return new Ec2Error('Throttled', `AWS is throttling EC2 API calls${where} (${context.operation}), even after retries with backoff.`,
        'Too many EC2 API calls in this account and Region: wait a minute and try again.', { cause: error });
    case 'InvalidInstanceID.NotFound':
    case 'InvalidInstanceID.Malformed':
      return new Ec2Error('NotFound', `No instance ${context.instanceId ?? ''}${where}: ${message}`.replace('  ', ' '),
        'Check the instance id and the Region (and that the profile belongs to the instance\'s account).', { cause: error });
    case 'InvalidParameterValue':
    case 'InvalidParameterCombination':
    case 'MissingParameter':
    case 'IncorrectInstanceState':
      return new Ec2Error('InvalidRequest', `EC2 refused ${context.operation}${where}: ${message}`,
        name === 'IncorrectInstanceState' ? 'The instance must be running or stopped for this change.' : 'Check the values asked for (hop limit 1..64; tokens optional or required).', { cause: error });
    case 'DeclarativePolicyViolation':
    case 'OperationNotPermitted':
      return new Ec2Error('Managed', `${context.operation} is blocked${where}: ${message}`,
        'A declarative policy of your organization manages IMDS settings: ask its administrators.', { cause: error });
    default:
      break;
  }
  const described = describeAwsError(error, { operation: context.operation, region: context.region, profile: context.profile, endpoint: context.endpoint, instanceId: context.instanceId });
  const code: Ec2ErrorCode = described.code === 'EndpointUnreachable' ? 'EndpointUnreachable'
    : ['NoCredentials', 'SsoExpired', 'InvalidCredentials', 'ExpiredCredentials', 'NoRegion'].includes(described.code) ? 'Credentials' : 'ServiceError';
  const wording = (text: string) => text.replace(/the SSM source/g, 'the EC2 API').replace(/the SSM API/g, 'the EC2 API').replace(/Systems Manager/g, 'EC2');
  return new Ec2Error(code, wording(described.message), wording(described.remedy), { cause: error });
}
