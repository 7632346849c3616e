// Errors of the SSM source, each with what happened and what to do. AWS SDK errors arrive as
// service exceptions (by `name`) or as credential-provider errors; describeAwsError turns them
// into SsmError with a remedy a person can act on (the command to run, the IAM action to add).

import { transportErrorCode } from '../../imds/transportCodes';

export type SsmErrorCode =
  | 'NoCredentials'
  | 'SsoExpired'
  | 'InvalidCredentials'
  | 'ExpiredCredentials'
  | 'NoRegion'
  | 'AccessDenied'
  | 'NotManaged'
  | 'ConnectionLost'
  | 'UnsupportedPlatform'
  | 'Throttled'
  | 'EndpointUnreachable'
  | 'CommandTimedOut'
  | 'DeliveryTimedOut'
  | 'Cancelled'
  | 'ScriptFailed'
  | 'NoHttpTool'
  | 'Imds'
  | 'Document'
  | 'InvalidRequest'
  | 'ServiceError'
  // Session Manager transport (src/sources/ssm/session/)
  | 'SessionDenied'
  | 'DocumentMissing'
  | 'WebSocketFailed'
  | 'KmsUnusable'
  | 'HandshakeFailed'
  | 'SessionFailed';

export class SsmError extends Error {
  readonly code: SsmErrorCode;
  readonly remedy: string;
  /** What happened, without the remedy. */
  readonly summary: string;

  constructor(code: SsmErrorCode, summary: string, remedy: string, cause?: unknown) {
    super(summary, cause === undefined ? undefined : { cause });
    this.name = 'SsmError';
    this.code = code;
    this.summary = summary;
    this.remedy = remedy;
  }

  /** Message and remedy on one line, for the CLI and logs. */
  toLine(): string {
    return `${this.message} ${this.remedy}`;
  }
}

export function isSsmError(error: unknown): error is SsmError {
  return error instanceof SsmError;
}

/** The IAM action each SSM operation needs (for "add this action" remedies). */
export const OPERATION_ACTIONS: Record<string, string> = {
  SendCommand: 'ssm:SendCommand',
  GetCommandInvocation: 'ssm:GetCommandInvocation',
  DescribeInstanceInformation: 'ssm:DescribeInstanceInformation',
  CancelCommand: 'ssm:CancelCommand',
  StartSession: 'ssm:StartSession',
  TerminateSession: 'ssm:TerminateSession',
  ResumeSession: 'ssm:ResumeSession',
};

export interface AwsErrorContext {
  operation: string;
  profile?: string;
  region?: string;
  instanceId?: string;
  endpoint?: string;
}

function loginHint(profile: string | undefined): string {
  return profile ? `aws sso login --profile ${profile}` : 'aws sso login';
}

function profileText(profile: string | undefined): string {
  return profile ? `profile "${profile}"` : 'the default credential chain';
}

function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const named = error as { name?: unknown; Code?: unknown; code?: unknown };
    for (const value of [named.name, named.Code, named.code]) if (typeof value === 'string' && value !== 'Error') return value;
  }
  return '';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The socket error (ECONNREFUSED, ENOTFOUND ...) under an SDK error, if any. */
function networkCode(error: unknown): string | undefined {
  return transportErrorCode(error, (code) => /^E[A-Z]+$/.test(code));
}

/** Turns whatever the SDK threw into an SsmError; SsmErrors pass through. */
export function describeAwsError(error: unknown, context: AwsErrorContext): SsmError {
  if (isSsmError(error)) return error;
  const name = errorName(error);
  const message = errorMessage(error);
  const where = context.region ? ` in ${context.region}` : '';
  const instance = context.instanceId ?? 'the instance';
  const action = OPERATION_ACTIONS[context.operation] ?? `ssm:${context.operation}`;

  // Credentials resolved on this machine (before any request).
  if (/sso session .*(expired|invalid)|token is expired|sso.*expired|refresh.*sso|sso.*token.*(expired|invalid)/i.test(message)) {
    return new SsmError('SsoExpired', `The AWS SSO session of ${profileText(context.profile)} has expired.`,
      `Sign in again: ${loginHint(context.profile)}`, error);
  }
  if (name === 'CredentialsProviderError' || /could not load credentials|credential.*not.*found|unable to locate credentials|profile .* (not found|could not be found)/i.test(message)) {
    const missingProfile = /profile/i.test(message) && context.profile;
    return new SsmError('NoCredentials',
      missingProfile ? `No AWS credentials for profile "${context.profile}": ${message}` : `No AWS credentials found (${message}).`,
      context.profile
        ? `Check that profile "${context.profile}" exists in ~/.aws/config or ~/.aws/credentials; for an SSO profile run ${loginHint(context.profile)}.`
        : 'Configure credentials (aws configure, or aws configure sso then aws sso login --profile NAME), or pick a profile (--profile, or the imdsExplorer.ssm.profile setting).',
      error);
  }
  if (/region is missing|missing region/i.test(message)) {
    return new SsmError('NoRegion', 'No AWS Region is set for the SSM source.',
      'Set the imdsExplorer.ssm.region setting (or pass --region), set region in the profile, or set AWS_REGION.', error);
  }

  switch (name) {
    case 'ExpiredTokenException':
    case 'ExpiredToken':
    case 'RequestExpired':
      return new SsmError('ExpiredCredentials', `The AWS credentials of ${profileText(context.profile)} have expired.`,
        context.profile ? `Refresh them: ${loginHint(context.profile)} (SSO) or renew the keys of the profile.` : 'Refresh them (aws sso login, or new temporary keys) and try again.', error);
    case 'UnrecognizedClientException':
    case 'InvalidClientTokenId':
      return new SsmError('InvalidCredentials', `AWS does not recognise the access key of ${profileText(context.profile)}${where}.`,
        'The key was deleted or belongs to another partition: check aws sts get-caller-identity with the same profile, and the Region.', error);
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
      return new SsmError('InvalidCredentials', `AWS rejected the request signature of ${profileText(context.profile)}${where}: ${message}`,
        'The secret access key does not match the access key id (or the Region is wrong): re-enter the keys with aws configure, and check the Region.', error);
    case 'AccessDeniedException':
    case 'AccessDenied': {
      const denied = /not authorized to perform: (\S+)/.exec(message)?.[1] ?? action;
      const who = /User: (\S+) is not authorized/.exec(message)?.[1];
      return new SsmError('AccessDenied', `${who ?? 'Your AWS identity'} is not allowed to call ${denied}${where}.`,
        `Add ${denied} to its IAM policy (the SSM source needs ssm:SendCommand, ssm:GetCommandInvocation and ssm:DescribeInstanceInformation), or use another profile.`, error);
    }
    case 'InvalidInstanceId':
      return new SsmError('NotManaged', `${instance} is not a managed instance SSM can run commands on${where}${message ? ` (${message})` : ''}.`,
        'Check the Region, that the instance is running, that the SSM agent is installed and running, and that its instance profile allows SSM (AmazonSSMManagedInstanceCore). Managed instances are listed by "IMDS: Add SSM Instance…".', error);
    case 'UnsupportedPlatformType':
      return new SsmError('UnsupportedPlatform', `${instance} runs a platform this command document does not support${message ? ` (${message})` : ''}.`,
        'Pick the platform of the instance (Linux uses AWS-RunShellScript, Windows AWS-RunPowerShellScript).', error);
    case 'ThrottlingException':
    case 'Throttling':
    case 'TooManyRequestsException':
      return new SsmError('Throttled', `AWS is throttling SSM API calls${where} (${context.operation}).`,
        'Too many SSM calls in this account and Region: wait a few seconds and refresh; fewer sources refreshing at once helps.', error);
    case 'InvalidParameters':
    case 'ValidationException':
    case 'InvalidDocument':
      return new SsmError('InvalidRequest', `SSM refused ${context.operation}: ${message}`,
        'This is likely a bug in the extension: please report it with this message.', error);
    case 'InternalServerError':
    case 'InternalFailure':
    case 'ServiceUnavailable':
      return new SsmError('ServiceError', `SSM failed on its side${where} (${name}): ${message}`, 'Wait a moment and refresh.', error);
    default:
      break;
  }
  const code = networkCode(error);
  if (code || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|getaddrinfo/i.test(message)) {
    return new SsmError('EndpointUnreachable', `Cannot reach the SSM API${context.endpoint ? ` at ${context.endpoint}` : where} (${code ?? message}).`,
      context.endpoint
        ? 'Check the imdsExplorer.ssm.endpoint setting (or --ssm-endpoint), or clear it to use the Region\'s public endpoint.'
        : 'Check the network, proxy settings (HTTPS_PROXY) and the Region.', error);
  }
  return new SsmError('ServiceError', `${context.operation} failed${where}: ${name ? `${name}: ` : ''}${message}`,
    'Try again; if it persists, check the AWS Health Dashboard for Systems Manager in this Region.', error);
}
