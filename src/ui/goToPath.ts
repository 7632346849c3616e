// "Go to Path": a quick pick over every path the catalog knows and every path already loaded,
// with the catalog's per-instance templates ({mac}, {role} ...) filled in by listing the few
// directories they hang from. Picking (or typing) a path reveals its node, loading what is needed.
import * as vscode from 'vscode';
import { knownPaths } from '../imds/catalog';
import { categoryPath } from '../imds/paths';
import type { MetadataSource } from '../imds/types';
import { ROOT_PATH, type MetadataTreeProvider } from './metadataTreeProvider';
import type { MetadataNode } from './treeNodes';

interface PathItem extends vscode.QuickPickItem {
  path: string;
}

const isPlaceholder = (segment: string) => /^\{[^}]+\}$/.test(segment);

/**
 * Fills a catalog template (`/latest/meta-data/network/interfaces/macs/{mac}/subnet-id`) from
 * the source's listings: one listing per placeholder level, through the tree (so it is cached).
 */
export async function expandTemplate(tree: MetadataTreeProvider, sourceId: string, template: string): Promise<string[]> {
  const isDirectory = template.endsWith('/');
  const segments = categoryPath(template).split('/').filter((s) => s !== '');
  let prefixes = [ROOT_PATH];
  for (let i = 0; i < segments.length; i++) {
    const last = i === segments.length - 1;
    const segment = segments[i];
    const next: string[] = [];
    for (const prefix of prefixes) {
      if (!isPlaceholder(segment)) {
        next.push(`${prefix}${segment}${last && !isDirectory ? '' : '/'}`);
        continue;
      }
      const dir = await tree.findNode(sourceId, prefix);
      if (!dir || dir.kind !== 'directory') continue;
      for (const child of await tree.getChildren(dir)) {
        if (child.kind !== 'directory' && child.kind !== 'value') continue;
        if (!last && child.kind !== 'directory') continue;
        next.push(child.path.endsWith('/') || last ? child.path : `${child.path}/`);
      }
    }
    prefixes = next;
    if (prefixes.length === 0) break;
  }
  return prefixes;
}

/** Shows the picker; resolves to the chosen (or typed) absolute path. */
export async function pickPath(tree: MetadataTreeProvider, source: MetadataSource): Promise<string | undefined> {
  const quickPick = vscode.window.createQuickPick<PathItem>();
  quickPick.title = vscode.l10n.t('Go to Path in {0}', source.label);
  quickPick.placeholder = vscode.l10n.t('Type or pick an IMDS path, e.g. meta-data/placement/region');
  quickPick.matchOnDescription = true;
  const byPath = new Map<string, PathItem>();
  const add = (path: string, description?: string) => {
    if (byPath.has(path) || path.includes('{')) return;
    byPath.set(path, { label: categoryPath(path) || path, description, path });
  };
  const templates: string[] = [];
  for (const known of knownPaths()) {
    // The token endpoint takes only PUT: it is in no listing and has no node.
    if (known.info.pattern === 'api/token') continue;
    if (known.template) templates.push(known.path);
    else add(known.path, known.info.description);
  }
  for (const path of tree.loadedPaths(source.id)) add(path);
  let typed: PathItem | undefined;
  const refreshItems = () => {
    const items = [...byPath.values()].sort((a, b) => a.label.localeCompare(b.label));
    quickPick.items = typed ? [typed, ...items] : items;
  };
  refreshItems();
  quickPick.busy = true;
  quickPick.onDidChangeValue((value) => {
    const text = value.trim();
    typed = text === '' || [...byPath.values()].some((i) => i.label === text) ? undefined : { label: text, description: vscode.l10n.t('go to this path'), path: text, alwaysShow: true };
    refreshItems();
  });
  const descriptions = new Map(knownPaths().map((k) => [k.path, k.info.description]));
  void Promise.all(
    templates.map(async (template) => {
      for (const path of await expandTemplate(tree, source.id, template).catch(() => [])) add(path, descriptions.get(template));
    }),
  ).finally(() => {
    quickPick.busy = false;
    refreshItems();
  });
  return new Promise((resolve) => {
    quickPick.onDidAccept(() => {
      const chosen = quickPick.selectedItems[0]?.path ?? (quickPick.value.trim() || undefined);
      resolve(chosen);
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      resolve(undefined);
      quickPick.dispose();
    });
    quickPick.show();
  });
}

/** Reveals a loaded node in the view: selected, focused, directories expanded. */
export async function revealNode(view: vscode.TreeView<MetadataNode>, node: MetadataNode): Promise<void> {
  await view.reveal(node, { select: true, focus: true, expand: node.kind === 'directory' });
}
