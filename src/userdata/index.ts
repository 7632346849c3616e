// User-data decoding, the 16 KB size check, and rendering for a read-only editor (no vscode).

export { decodeUserData } from './decode';
export { base64Length, checkUserDataSize, formatSizeCheck, formatSizeStatus, gzipSuggestion, USER_DATA_LIMIT_BYTES, USER_DATA_WARN_RATIO } from './size';
export { partHeading, partTitle, renderDecodedDocument } from './render';
export type { RenderedLanguage, RenderedUserData, RenderedUserDataDocument, RenderOptions } from './render';
export { DEFAULT_DECODE_LIMITS } from './types';
export type {
  DecodedUserData,
  DecodeLimits,
  SizeLevel,
  UserDataLanguage,
  UserDataLayer,
  UserDataPart,
  UserDataSizeCheck,
  WindowsUserDataSettings,
} from './types';
