// Public surface of the IMDS doctor (no vscode import: the CLI, the extension and tests use it).
export { runDoctor, type DoctorOptions } from './run';
export { instanceTarget, endpointTarget, targetFromSource, type DoctorTarget, type HttpTarget, type SnapshotTarget } from './target';
export { renderReportMarkdown, escapeMarkdown, summaryLine } from './render/markdown';
export { renderReportText, type TextOptions } from './render/text';
export type { CheckId, CheckStatus, DoctorCheck, DoctorReport, Exchange, ReportTarget } from './types';
