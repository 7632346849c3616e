// How each node looks: label, description, icon, Markdown tooltip, contextValue (which drives
// the menus in package.json) and click command. Secret values are masked in every one of them
// unless the person revealed that value.
import * as vscode from 'vscode';
import { lookupCategory } from '../imds/catalog';
import type { MetadataSource, SourceState } from '../imds/types';
import { ExplorerCommand } from './commandIds';
import type { SecretReveals } from './secretReveals';
import type { SourceRegistry } from './sourceRegistry';
import { ActionNode, DirectoryNode, ErrorNode, FieldNode, MetadataNode, SectionNode, SourceNode, ValueNode, fieldLabelPath } from './treeNodes';
import { SECRET_MASK, ValueStyle, describeValue, isSecretField, jsonSummary, parseJsonDocument, valueStyle, visibleText } from './valueFormat';

export interface RenderContext {
  registry: SourceRegistry;
  reveals: SecretReveals;
}

/** Longest value preview a tooltip shows. */
const TOOLTIP_PREVIEW = 600;

const VALUE_ICONS: Record<ValueStyle, string> = {
  text: 'symbol-string',
  multiline: 'list-flat',
  json: 'json',
  secret: 'key',
  base64: 'file-binary',
  userData: 'file-code',
  binary: 'file-binary',
};

const SOURCE_ICONS: Record<MetadataSource['kind'], string> = {
  emulator: 'vm',
  direct: 'cloud',
  ssm: 'remote-explorer',
  file: 'file',
};

export function renderTreeItem(node: MetadataNode, ctx: RenderContext): vscode.TreeItem {
  switch (node.kind) {
    case 'source':
      return sourceItem(node, ctx);
    case 'directory':
      return directoryItem(node);
    case 'value':
      return valueItem(node, ctx);
    case 'field':
      return fieldItem(node, ctx);
    case 'error':
      return errorItem(node);
    case 'action':
      return actionItem(node);
    case 'section':
      return sectionItem(node);
  }
}

function sectionItem(node: SectionNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon(node.icon);
  item.contextValue = 'imds:section';
  return item;
}

/** `IMDSv2` / `IMDSv1` / undefined, from what the source says about its last requests. */
export function modeLabel(source: MetadataSource | undefined): string | undefined {
  const state = source?.state?.() as (SourceState & { versionPolicy?: string }) | undefined;
  // Under the v1-only policy the client never asks for a token, so every read is IMDSv1.
  const mode = state?.imdsMode === 'unknown' && state.versionPolicy === 'v1-only' ? 'v1' : state?.imdsMode;
  return mode === 'v2' ? 'IMDSv2' : mode === 'v1' ? 'IMDSv1' : undefined;
}

function sourceItem(node: SourceNode, ctx: RenderContext): vscode.TreeItem {
  const source = ctx.registry.get(node.sourceId);
  const item = new vscode.TreeItem(source?.label ?? node.sourceId, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  const active = ctx.registry.active?.id === node.sourceId;
  const state = source?.state?.();
  const mode = modeLabel(source);
  item.description = [active && ctx.registry.all().length > 1 ? vscode.l10n.t('active') : undefined, mode, state?.endpoint].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(SOURCE_ICONS[source?.kind ?? 'emulator'] ?? 'vm');
  item.contextValue = `imds:source:${source?.kind ?? 'unknown'}${active ? ':active' : ''}`;
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMd(source?.label ?? node.sourceId)}**\n\n`);
  md.appendMarkdown(`${escapeMd(sourceKindText(source?.kind))}\n\n`);
  if (state?.endpoint) md.appendMarkdown(`${vscode.l10n.t('Endpoint')}: \`${state.endpoint}\`\n\n`);
  if (mode) md.appendMarkdown(`${vscode.l10n.t('Mode')}: ${mode}\n\n`);
  if (active) md.appendMarkdown(vscode.l10n.t('Active source: the status bar, go to path and snapshots use it.'));
  item.tooltip = md;
  return item;
}

function sourceKindText(kind: MetadataSource['kind'] | undefined): string {
  switch (kind) {
    case 'emulator':
      return vscode.l10n.t('Built-in IMDS emulator, running inside VS Code on 127.0.0.1.');
    case 'direct':
      return vscode.l10n.t("This instance's metadata service, read directly.");
    case 'ssm':
      return vscode.l10n.t('A managed instance, read through AWS Systems Manager Run Command.');
    case 'file':
      return vscode.l10n.t('A saved snapshot.');
    default:
      return '';
  }
}

function directoryItem(node: DirectoryNode): vscode.TreeItem {
  const expanded = node.parent?.kind === 'source';
  const item = new vscode.TreeItem(node.name, expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon('folder');
  item.contextValue = 'imds:dir';
  item.tooltip = pathTooltip(node.path);
  return item;
}

function valueItem(node: ValueNode, ctx: RenderContext): vscode.TreeItem {
  const style = valueStyle(node.path, node.body);
  const revealed = ctx.reveals.isRevealed(node.sourceId, node.path);
  const json = node.body && !node.error ? parseJsonDocument(node.body.toString('utf8')) : undefined;
  const expandable = json !== null && typeof json === 'object' && Object.keys(json).length > 0;
  const item = new vscode.TreeItem(node.name, expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.command = { command: ExplorerCommand.OpenValue, title: vscode.l10n.t('Open Value'), arguments: [node] };
  const secretState = style === 'secret' ? (revealed ? ':secret-revealed' : ':secret-masked') : '';
  if (node.error) {
    item.description = node.error.summary;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.contextValue = `imds:value:${style}${secretState}:error`;
    item.tooltip = errorTooltip(node.error.message, node.error.remedy, node.path);
    return item;
  }
  const body = node.body ?? Buffer.alloc(0);
  item.description = describeValue(node.path, body, revealed, vscode.l10n.t);
  item.iconPath = new vscode.ThemeIcon(style === 'secret' && revealed ? 'unlock' : VALUE_ICONS[style]);
  item.contextValue = `imds:value:${style}${secretState}`;
  const preview = style === 'binary' ? undefined : visibleText(node.path, body.toString('utf8'), revealed);
  const md = pathTooltip(node.path, preview, json !== undefined ? 'json' : '');
  if (style === 'secret' && !revealed) md.appendMarkdown(`\n\n$(lock) ${vscode.l10n.t('Secret fields are hidden. Use Reveal Secret to show them (until refresh).')}`);
  item.tooltip = md;
  return item;
}

function fieldItem(node: FieldNode, ctx: RenderContext): vscode.TreeItem {
  const key = node.keyPath[node.keyPath.length - 1];
  const isObject = node.json !== null && typeof node.json === 'object';
  const count = isObject ? Object.keys(node.json as object).length : 0;
  const item = new vscode.TreeItem(typeof key === 'number' ? `[${key}]` : key, count > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  const secret = node.keyPath.length === 1 && typeof key === 'string' && isSecretField(node.value.path, key);
  const revealed = ctx.reveals.isRevealed(node.sourceId, node.value.path);
  const hidden = secret && !revealed;
  if (isObject) item.description = jsonSummary(node.json as object, vscode.l10n.t);
  else item.description = hidden ? SECRET_MASK : String(node.json);
  item.iconPath = new vscode.ThemeIcon(hidden ? 'lock' : Array.isArray(node.json) ? 'symbol-array' : isObject ? 'symbol-object' : 'symbol-field');
  item.contextValue = `imds:field${secret ? (revealed ? ':secret-revealed' : ':secret-masked') : ''}`;
  item.command = { command: ExplorerCommand.OpenValue, title: vscode.l10n.t('Open Value'), arguments: [node.value] };
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMd(fieldLabelPath(node.keyPath))}** ${vscode.l10n.t('in')} \`${node.value.path}\``);
  if (!isObject) md.appendCodeblock(hidden ? SECRET_MASK : String(node.json), 'text');
  if (hidden) md.appendMarkdown(`\n\n$(lock) ${vscode.l10n.t('Secret: use Reveal Secret on the value to show it.')}`);
  md.supportThemeIcons = true;
  item.tooltip = md;
  return item;
}

function errorItem(node: ErrorNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.error.summary, vscode.TreeItemCollapsibleState.Expanded);
  item.id = node.id;
  item.description = node.error.code;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
  item.contextValue = 'imds:error';
  item.tooltip = errorTooltip(node.error.message, node.error.remedy);
  return item;
}

function actionItem(node: ActionNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = node.id;
  item.iconPath = new vscode.ThemeIcon(node.icon);
  item.contextValue = node.command ? 'imds:action' : 'imds:hint';
  if (node.description) item.description = node.description;
  if (node.tooltip) item.tooltip = node.tooltip;
  if (node.command) item.command = { command: node.command.id, title: node.label, arguments: node.command.args };
  return item;
}

/** Path, catalog description, an optional value preview and the AWS documentation link. */
function pathTooltip(path: string, preview?: string, language = ''): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`\`${path}\`\n\n`);
  const info = lookupCategory(path);
  if (info) md.appendMarkdown(`${escapeMd(info.description)}\n\n`);
  if (preview !== undefined && preview !== '') {
    const full = language === 'json' ? prettyJson(preview) : preview;
    md.appendCodeblock(full.length > TOOLTIP_PREVIEW ? `${full.slice(0, TOOLTIP_PREVIEW)}…` : full, language);
  }
  if (info) md.appendMarkdown(`\n\n[${vscode.l10n.t('AWS documentation')}](${info.docUrl})`);
  return md;
}

function errorTooltip(message: string, remedy: string | undefined, path?: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`$(error) **${escapeMd(message)}**\n\n`);
  if (remedy) md.appendMarkdown(`${vscode.l10n.t('What to do')}: ${escapeMd(remedy)}\n\n`);
  const info = path ? lookupCategory(path) : undefined;
  if (info) md.appendMarkdown(`${escapeMd(info.description)} [${vscode.l10n.t('AWS documentation')}](${info.docUrl})`);
  return md;
}

function prettyJson(text: string): string {
  const doc = parseJsonDocument(text);
  return doc === undefined ? text : JSON.stringify(doc, null, 2);
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&');
}
