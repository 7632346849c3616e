// The handshake the agent starts for NonInteractiveCommands (and for any KMS session): it asks for
// client actions, the client answers each one (Success, Failed or Unsupported), then the agent says
// it is complete. Anything but Success makes the agent end the session, so unknown actions are
// answered Unsupported rather than pretending.

/** Reported to the agent: ≥ 1.2.312.0 so it streams like the current plugin; no smux (unused here). */
export const CLIENT_VERSION = '1.2.707.0';

export const ActionStatus = { Success: 1, Failed: 2, Unsupported: 3 } as const;

export interface RequestedClientAction {
  ActionType: string;
  ActionParameters?: unknown;
}

export interface HandshakeRequest {
  AgentVersion?: string;
  RequestedClientActions?: RequestedClientAction[];
}

export interface ProcessedClientAction {
  ActionType: string;
  ActionStatus: number;
  ActionResult: unknown;
  Error: string;
}

export interface HandshakeResponse {
  ClientVersion: string;
  ProcessedClientActions: ProcessedClientAction[];
  Errors: string[];
}

export interface HandshakeComplete {
  HandshakeTimeToComplete?: number;
  CustomerMessage?: string;
}

export interface KmsParameters {
  KMSKeyId?: string;
  Challenge?: string;
}

export const SESSION_TYPE = 'NonInteractiveCommands';

export function sessionTypeOf(action: RequestedClientAction): string | undefined {
  const parameters = action.ActionParameters as { SessionType?: unknown } | undefined;
  return typeof parameters?.SessionType === 'string' ? parameters.SessionType : undefined;
}
