// The SSM client and the commands used here: a lazy room of its own (scripts/build.mjs), loaded by
// import() on the first SSM call. Only these are named: a whole-namespace export would keep every
// command of the client (SSM has hundreds).
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';

export const ssmSdk = {
  SSMClient,
  SendCommandCommand,
  GetCommandInvocationCommand,
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  StartSessionCommand,
  TerminateSessionCommand,
};
