// The IMDS Posture view: Region → class → (pages of 250 →) instances, counts in the descriptions.
// Levels are built on expand from PostureModel, so 10,000 instances never make one giant level;
// ids are stable so selection and reveal survive a search. No AWS code here: the model is data.
import * as vscode from 'vscode';
import { describeDays } from '../posture/classify';
import { PAGE_SIZE, type PostureModel } from '../posture/model';
import { CLASS_LABELS, CLASS_ORDER, type PostureClass, type PostureInstance } from '../posture/types';

export const POSTURE_VIEW_ID = 'imdsExplorer.posture';
export const POSTURE_CHART_COMMAND = 'imdsExplorer.posture.showInstance';

export type PostureNode =
  | { kind: 'region'; region: string }
  | { kind: 'class'; region: string; cls: PostureClass }
  | { kind: 'page'; region: string; cls: PostureClass; start: number; end: number }
  | { kind: 'instance'; region: string; cls: PostureClass; instanceId: string }
  | { kind: 'message'; text: string; detail?: string; error?: boolean };

const CLASS_ICONS: Record<PostureClass, vscode.ThemeIcon> = {
  required: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  ready: new vscode.ThemeIcon('check'),
  'needs-work': new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')),
  disabled: new vscode.ThemeIcon('circle-slash'),
  stopped: new vscode.ThemeIcon('debug-stop'),
  'no-data': new vscode.ThemeIcon('question'),
};

const n = (value: number) => value.toLocaleString('en-US');

export class PostureTreeProvider implements vscode.TreeDataProvider<PostureNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PostureNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private model: PostureModel | undefined;
  /** Shown instead of the tree while a posture is being taken, or when it failed. */
  private status: { text: string; error?: boolean } | undefined;

  get current(): PostureModel | undefined {
    return this.model;
  }

  setModel(model: PostureModel | undefined): void {
    this.model = model;
    this.status = undefined;
    this.changed.fire(undefined);
  }

  setStatus(text: string | undefined, error = false): void {
    this.status = text ? { text, error } : undefined;
    this.changed.fire(undefined);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  instanceOf(node: PostureNode): PostureInstance | undefined {
    return node.kind === 'instance' ? this.model?.find(node.region, node.instanceId) : undefined;
  }

  /** Instances a node stands for: itself, a page, a class or a whole Region (under the search). */
  instancesUnder(node: PostureNode): PostureInstance[] {
    const model = this.model;
    if (!model) return [];
    switch (node.kind) {
      case 'instance': {
        const found = model.find(node.region, node.instanceId);
        return found ? [found] : [];
      }
      case 'page':
        return model.instances(node.region, node.cls).slice(node.start, node.end);
      case 'class':
        return [...model.instances(node.region, node.cls)];
      case 'region':
        return CLASS_ORDER.flatMap((cls) => [...model.instances(node.region, cls)]);
      default:
        return [];
    }
  }

  getChildren(node?: PostureNode): PostureNode[] {
    const model = this.model;
    if (!node) {
      const messages: PostureNode[] = this.status ? [{ kind: 'message', text: this.status.text, error: this.status.error }] : [];
      if (!model) return messages;
      if (model.filter && model.totalMatching === 0) messages.push({ kind: 'message', text: vscode.l10n.t('No instance matches "{0}".', model.filter) });
      return [...messages, ...model.regions().map((r): PostureNode => ({ kind: 'region', region: r.region }))];
    }
    if (!model) return [];
    switch (node.kind) {
      case 'region': {
        const summary = model.regions().find((r) => r.region === node.region);
        if (summary?.error) return [{ kind: 'message', text: summary.error, error: true }];
        return CLASS_ORDER.filter((cls) => (summary?.counts[cls] ?? 0) > 0).map((cls) => ({ kind: 'class', region: node.region, cls }));
      }
      case 'class': {
        const pages = model.pages(node.region, node.cls);
        if (pages.length === 1) return this.instanceNodes(node.region, node.cls, 0, pages[0].end);
        return pages.map((p) => ({ kind: 'page', region: node.region, cls: node.cls, start: p.start, end: p.end }));
      }
      case 'page':
        return this.instanceNodes(node.region, node.cls, node.start, node.end);
      default:
        return [];
    }
  }

  private instanceNodes(region: string, cls: PostureClass, start: number, end: number): PostureNode[] {
    return (this.model?.instances(region, cls) ?? []).slice(start, end).map((i) => ({ kind: 'instance', region, cls, instanceId: i.instanceId }));
  }

  getParent(node: PostureNode): PostureNode | undefined {
    switch (node.kind) {
      case 'class':
        return { kind: 'region', region: node.region };
      case 'page':
        return { kind: 'class', region: node.region, cls: node.cls };
      case 'instance': {
        const list = this.model?.instances(node.region, node.cls) ?? [];
        if (list.length <= PAGE_SIZE) return { kind: 'class', region: node.region, cls: node.cls };
        const index = list.findIndex((i) => i.instanceId === node.instanceId);
        const start = Math.floor(Math.max(0, index) / PAGE_SIZE) * PAGE_SIZE;
        return { kind: 'page', region: node.region, cls: node.cls, start, end: Math.min(list.length, start + PAGE_SIZE) };
      }
      default:
        return undefined;
    }
  }

  getTreeItem(node: PostureNode): vscode.TreeItem {
    const model = this.model;
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.iconPath = new vscode.ThemeIcon(node.error ? 'error' : 'info');
        item.tooltip = node.detail ?? node.text;
        item.contextValue = node.error ? 'posture.error' : 'posture.message';
        return item;
      }
      case 'region': {
        const summary = model?.regions().find((r) => r.region === node.region);
        const item = new vscode.TreeItem(node.region, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `posture/${node.region}`;
        item.iconPath = new vscode.ThemeIcon(summary?.error ? 'error' : 'globe');
        const open = summary ? summary.counts.ready + summary.counts['needs-work'] + summary.counts.stopped + summary.counts['no-data'] : 0;
        item.description = summary?.error
          ? vscode.l10n.t('could not be read')
          : vscode.l10n.t('{0} instances · {1} still accept IMDSv1', n(summary?.total ?? 0), n(open));
        const defaults = summary?.defaults ? Object.entries(summary.defaults).map(([k, v]) => `${k}=${v}`).join(', ') || 'no preference' : 'unread';
        item.tooltip = new vscode.MarkdownString(`**${node.region}**\n\nAccount defaults for new instances: ${defaults}`);
        item.contextValue = 'posture.region';
        return item;
      }
      case 'class': {
        const count = model?.instances(node.region, node.cls).length ?? 0;
        const item = new vscode.TreeItem(CLASS_LABELS[node.cls], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `posture/${node.region}/${node.cls}`;
        item.description = n(count);
        item.iconPath = CLASS_ICONS[node.cls];
        item.contextValue = `posture.class.${node.cls}`;
        return item;
      }
      case 'page': {
        const item = new vscode.TreeItem(`${n(node.start + 1)}–${n(node.end)}`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `posture/${node.region}/${node.cls}/${node.start}`;
        item.iconPath = new vscode.ThemeIcon('list-flat');
        item.contextValue = `posture.page.${node.cls}`;
        return item;
      }
      case 'instance':
        return this.instanceItem(node);
    }
  }

  private instanceItem(node: Extract<PostureNode, { kind: 'instance' }>): vscode.TreeItem {
    const instance = this.model?.find(node.region, node.instanceId);
    const item = new vscode.TreeItem(instance?.name ?? node.instanceId);
    item.id = `posture/${node.region}/${node.instanceId}`;
    item.iconPath = CLASS_ICONS[node.cls];
    const calls = instance?.noToken?.total ? ` · ${vscode.l10n.t('{0} tokenless calls', n(instance.noToken.total))} ${describeDays(instance.noToken)}` : '';
    item.description = `${instance?.name ? node.instanceId : ''}${calls}`.replace(/^ · /, '');
    const tags = instance ? Object.entries(instance.tags).filter(([k]) => k !== 'Name').map(([k, v]) => `\`${k}=${v}\``).join(' ') : '';
    item.tooltip = new vscode.MarkdownString(
      `**${instance?.name ?? node.instanceId}** \`${node.instanceId}\`\n\n${CLASS_LABELS[node.cls]}\n\n${instance?.evidence ?? ''}\n\n` +
      `State: ${instance?.state ?? '?'} · launched ${instance?.launchTime?.slice(0, 10) ?? '?'}${tags ? `\n\n${tags}` : ''}`,
    );
    item.contextValue = `posture.instance.${node.cls}`;
    item.command = { command: POSTURE_CHART_COMMAND, title: vscode.l10n.t('Show Instance Posture'), arguments: [node] };
    return item;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
