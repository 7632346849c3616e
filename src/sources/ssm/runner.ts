// Sending a Run Command and waiting for its invocations. Polling starts at 150 ms and backs off
// gently (the SDK's waiters poll every 5 s, far slower than a command that takes one second);
// InvocationDoesNotExist right after SendCommand means "not yet"; a command that stays Pending is
// checked against the agent's ping status so an offline instance fails fast with the reason.

import { pause } from '../../aws/pause';
import type { SsmConnection } from './awsClient';
import { describeAwsError, SsmError, type AwsErrorContext } from './errors';

export type InvocationStatus =
  | 'Pending' | 'InProgress' | 'Delayed' | 'Success' | 'Cancelled' | 'TimedOut' | 'Failed' | 'Cancelling';

export interface InvocationOutput {
  instanceId: string;
  status: InvocationStatus;
  statusDetails: string;
  responseCode: number;
  stdout: string;
  stderr: string;
}

/** Where a command stands, for progress messages. */
export type ProgressState = 'sent' | 'pending' | 'delayed' | 'running' | 'reading-parts' | 'done';

export interface CommandTarget {
  instanceIds?: string[];
  /** Run Command targets, e.g. [{ Key: 'tag:Env', Values: ['prod'] }]. */
  targets?: { Key: string; Values: string[] }[];
}

export interface WaitOptions {
  /** Give up (and cancel the command) after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (state: ProgressState, detail: string) => void;
  /** Pending longer than this: ask SSM whether the agent is online (default 2500 ms). */
  agentCheckAfterMs?: number;
}

/** Delay before poll number `attempt` (0-based), `elapsedMs` after SendCommand. */
export function pollDelayMs(attempt: number, elapsedMs: number): number {
  if (elapsedMs < 5_000) return Math.min(150 + 25 * attempt, 250);
  if (elapsedMs < 20_000) return 500;
  if (elapsedMs < 60_000) return 1_000;
  return 2_000;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return pause(ms, signal, abortError);
}

function abortError(): SsmError {
  return new SsmError('Cancelled', 'The SSM snapshot was cancelled.', 'Refresh to take it again.');
}

function nameOf(error: unknown): string {
  return error && typeof error === 'object' && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

const THROTTLES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException']);

export class SsmRunner {
  /** SendCommand calls made (snapshot, parts, subtrees, cleanup). */
  sentCommands = 0;

  constructor(
    readonly connection: SsmConnection,
    private readonly context: Omit<AwsErrorContext, 'operation'> = {},
    /** First wait after SendCommand is throttled beyond the SDK's own retries (doubles, 3 more tries). */
    private readonly throttleBaseDelayMs = 1000,
  ) {}

  private errorContext(operation: string, instanceId?: string): AwsErrorContext {
    return {
      operation,
      region: this.connection.region || undefined,
      profile: this.connection.profile,
      endpoint: this.connection.endpoint,
      ...this.context,
      ...(instanceId ? { instanceId } : {}),
    };
  }

  /** SendCommand; throttling beyond the SDK's own retries is retried here with a longer backoff. */
  async send(documentName: string, commands: string[], target: CommandTarget, options: { comment: string; timeoutSeconds: number }): Promise<string> {
    const { SendCommandCommand } = this.connection.sdk;
    const executionTimeout = Math.max(30, Math.min(172800, Math.ceil(options.timeoutSeconds)));
    this.sentCommands++;
    for (let attempt = 1; ; attempt++) {
      try {
        const output = await this.connection.client.send(new SendCommandCommand({
          DocumentName: documentName,
          ...(target.instanceIds ? { InstanceIds: target.instanceIds } : {}),
          ...(target.targets ? { Targets: target.targets } : {}),
          Parameters: { commands, executionTimeout: [String(executionTimeout)] },
          TimeoutSeconds: Math.max(30, executionTimeout),
          Comment: options.comment.slice(0, 100),
        }));
        const commandId = output.Command?.CommandId;
        if (!commandId) throw new SsmError('ServiceError', 'SendCommand answered without a command id.', 'Try again.');
        return commandId;
      } catch (error) {
        if (THROTTLES.has(nameOf(error)) && attempt < 4) {
          await sleep(this.throttleBaseDelayMs * 2 ** (attempt - 1));
          continue;
        }
        throw describeAwsError(error, this.errorContext('SendCommand', target.instanceIds?.length === 1 ? target.instanceIds[0] : undefined));
      }
    }
  }

  /** Best effort: a command we stop waiting for should not run on. */
  async cancel(commandId: string, instanceIds?: string[]): Promise<void> {
    try {
      await this.connection.client.send(new this.connection.sdk.CancelCommandCommand({ CommandId: commandId, ...(instanceIds ? { InstanceIds: instanceIds } : {}) }));
    } catch {
      // Nothing to do: the command times out on its own.
    }
  }

  /** The agent's ping status, or undefined when the instance is not managed (or we may not ask). */
  async pingStatus(instanceId: string): Promise<{ pingStatus?: string; lastPing?: Date; listed: boolean } | undefined> {
    try {
      const output = await this.connection.client.send(new this.connection.sdk.DescribeInstanceInformationCommand({
        Filters: [{ Key: 'InstanceIds', Values: [instanceId] }],
      }));
      const info = output.InstanceInformationList?.[0];
      return info ? { pingStatus: info.PingStatus, lastPing: info.LastPingDateTime, listed: true } : { listed: false };
    } catch {
      return undefined;
    }
  }

  /** Polls GetCommandInvocation until the invocation ends; terminal statuses are returned, not thrown. */
  async wait(commandId: string, instanceId: string, options: WaitOptions): Promise<InvocationOutput> {
    const { GetCommandInvocationCommand } = this.connection.sdk;
    const started = Date.now();
    const agentCheckAfterMs = options.agentCheckAfterMs ?? 2500;
    let agentChecked = false;
    let extraDelay = 0;
    let lastState: ProgressState | undefined;
    const progress = (state: ProgressState, detail: string) => {
      if (state !== lastState) options.onProgress?.(state, detail);
      lastState = state;
    };
    for (let attempt = 0; ; attempt++) {
      const elapsed = Date.now() - started;
      if (elapsed > options.timeoutMs) {
        await this.cancel(commandId, [instanceId]);
        throw new SsmError('CommandTimedOut',
          `${instanceId} did not finish the snapshot command within ${Math.round(options.timeoutMs / 1000)} s (last status: ${lastState ?? 'unknown'}).`,
          'Raise the imdsExplorer.ssm.commandTimeoutSeconds setting, or check the instance is not overloaded (the command was cancelled).');
      }
      await sleep(pollDelayMs(attempt, elapsed) + extraDelay, options.signal).catch(async (error) => {
        await this.cancel(commandId, [instanceId]);
        throw error;
      });
      let output;
      try {
        output = await this.connection.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
        extraDelay = 0;
      } catch (error) {
        const name = nameOf(error);
        if (name === 'InvocationDoesNotExist') {
          // Normal for a moment after SendCommand; not for long.
          if (Date.now() - started > Math.min(60_000, options.timeoutMs)) {
            throw new SsmError('NotManaged', `SSM never created an invocation of command ${commandId} on ${instanceId}.`,
              'The instance may not be managed in this Region, or the command was not sent to it: check the instance id and Region.');
          }
          progress('sent', 'waiting for SSM to deliver the command');
          continue;
        }
        if (THROTTLES.has(name)) {
          extraDelay = Math.min(5000, Math.max(500, extraDelay * 2));
          continue;
        }
        throw describeAwsError(error, this.errorContext('GetCommandInvocation', instanceId));
      }
      const status = (output.Status ?? 'Pending') as InvocationStatus;
      switch (status) {
        case 'Pending':
          progress('pending', 'waiting for the SSM agent to pick the command up');
          if (!agentChecked && Date.now() - started > agentCheckAfterMs) {
            agentChecked = true;
            const ping = await this.pingStatus(instanceId);
            if (ping && !ping.listed) {
              await this.cancel(commandId, [instanceId]);
              throw new SsmError('NotManaged', `${instanceId} is not (or no longer) a managed instance in ${this.connection.region || 'this Region'}.`,
                'Check that the instance is running, that the SSM agent runs, and that its instance profile allows SSM (AmazonSSMManagedInstanceCore).');
            }
            if (ping?.pingStatus && ping.pingStatus !== 'Online') throw await this.connectionLost(commandId, instanceId, ping.pingStatus, ping.lastPing);
          }
          break;
        case 'Delayed':
          progress('delayed', 'SSM could not deliver the command yet and is retrying');
          break;
        case 'InProgress':
          progress('running', 'the script is running on the instance');
          break;
        case 'Cancelling':
          break;
        default:
          progress('done', status);
          return {
            instanceId,
            status,
            statusDetails: output.StatusDetails ?? status,
            responseCode: output.ResponseCode ?? -1,
            stdout: output.StandardOutputContent ?? '',
            stderr: output.StandardErrorContent ?? '',
          };
      }
    }
  }

  private async connectionLost(commandId: string, instanceId: string, pingStatus: string, lastPing?: Date): Promise<SsmError> {
    await this.cancel(commandId, [instanceId]);
    const since = lastPing ? ` since ${lastPing.toISOString()}` : '';
    return new SsmError('ConnectionLost', `The SSM agent of ${instanceId} is ${pingStatus}${since}: the command cannot reach it.`,
      'Check that the instance is running, that amazon-ssm-agent runs on it (sudo systemctl status amazon-ssm-agent), and that it can reach the ssm, ssmmessages and ec2messages endpoints. The command was cancelled.');
  }
}
