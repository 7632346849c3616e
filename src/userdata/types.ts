// Shapes of decoded user-data and of the 16 KB size check. No vscode import: the decoder runs in
// plain Node (tests, CLI) and the UI only renders these objects.

/** VS Code language ids the decoder picks for a part (all built in to VS Code). */
export type UserDataLanguage = 'shellscript' | 'yaml' | 'powershell' | 'json' | 'plaintext' | 'bat' | 'python';

/** An encoding layer peeled off the whole user-data, outermost first. */
export type UserDataLayer = 'base64' | 'gzip' | 'mime';

/** One thing the person wrote: the whole user-data, one MIME part, or one Windows block. */
export interface UserDataPart {
  /**
   * MIME type as cloud-init would route it (`text/x-shellscript`, `text/cloud-config`, ...), or a
   * descriptive `text/x-windows-powershell` / `text/x-windows-script` for EC2Launch blocks, or
   * `application/octet-stream` for binary data.
   */
  contentType: string;
  /** From `Content-Disposition: ...; filename=` (or `Content-Type: ...; name=`) of a MIME part. */
  filename?: string;
  language: UserDataLanguage;
  /** The text to show: the decoded text, or a hex dump summary when the part is binary. */
  text: string;
  /** The part's decoded bytes (after transfer encoding and gzip). */
  bytes: Buffer;
  /** True when `text` is a hex dump summary rather than the content itself. */
  binary: boolean;
  /** Encodings removed from this part alone, e.g. `['base64', 'gzip']` for a gzipped MIME part. */
  encodings: string[];
  /** Short human label, e.g. `shell script`, `cloud-config`, `<powershell> block`. */
  kind: string;
}

/** Settings EC2Launch reads from the tags of Windows user-data. */
export interface WindowsUserDataSettings {
  /** `<persist>true</persist>`: run on every boot, not only the first. */
  persist: boolean;
  /** `<runAsLocalSystem>true</runAsLocalSystem>` (EC2Launch v2). */
  runAsLocalSystem?: boolean;
  /** `<powershellArguments>...</powershellArguments>` (EC2Launch v2). */
  powershellArguments?: string;
}

export interface DecodedUserData {
  /** The bytes as received, untouched. */
  raw: Buffer;
  /** Layers removed from the whole user-data, outermost first, e.g. `['base64', 'gzip', 'mime']`. */
  layers: UserDataLayer[];
  /** One line for people, e.g. `gzip → MIME, 3 parts`. */
  summary: string;
  /** What was found. When a layer fails, one part holding the bytes that layer could not decode. */
  parts: UserDataPart[];
  /** Things that decoded but will likely not do what the person meant (CRLF shebang, BOM, ...). */
  warnings: string[];
  /** Set when a layer failed (invalid base64, truncated gzip, bomb, malformed MIME). */
  error?: string;
  /** Present when the user-data is Windows EC2Launch blocks. */
  windows?: WindowsUserDataSettings;
}

/** Caps that keep a hostile or broken input from exhausting memory. */
export interface DecodeLimits {
  /** Largest output of any one gzip or base64 layer, in bytes. */
  maxLayerBytes: number;
  /** Budget for all decoded bytes together (all layers and parts), in bytes. */
  maxTotalBytes: number;
  /** How many layers (base64, gzip, nested MIME) may be peeled before giving up. */
  maxDepth: number;
  /** How many MIME parts are kept; the rest are dropped with a warning. */
  maxParts: number;
  /** How many bytes a binary hex dump shows. */
  hexDumpBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxLayerBytes: 8 * 1024 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
  maxDepth: 8,
  maxParts: 64,
  hexDumpBytes: 256,
};

export type SizeLevel = 'ok' | 'warn' | 'over';

/** The truth about one user-data payload against the EC2 limit. */
export interface UserDataSizeCheck {
  /** Bytes before base64 encoding: what EC2 counts against the limit. */
  rawBytes: number;
  /** 16,384: EC2 limits user data to 16 KB in raw form, before base64. */
  limit: number;
  /** `ceil(n/3)*4`: characters the RunInstances call carries once encoded. */
  base64Length: number;
  /** `limit - rawBytes`; negative when over. */
  remaining: number;
  /** rawBytes as a percentage of the limit (not rounded). */
  percent: number;
  /** `ok` below the warning threshold, `warn` from 90% up to the limit, `over` beyond it. */
  level: SizeLevel;
  /** Size after gzip -9, when computed (not for data that is already gzip). */
  gzipBytes?: number;
  /** True when the gzip-compressed payload would fit the limit. */
  gzipWouldFit?: boolean;
  /** True when the payload already starts with the gzip magic bytes. */
  alreadyGzip: boolean;
  /** One line for people, e.g. `12,345 of 16,384 bytes (75.3%), 4,039 bytes left`. */
  message: string;
}
