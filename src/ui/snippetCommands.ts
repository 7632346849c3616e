// "IMDS: Insert Snippet…" and "IMDS: Copy Snippet…": the generated snippets of src/snippets for
// a tree node (context menu) or for a path picked from the catalog (palette). Insert follows the
// active editor's language (shellscript, powershell, python, javascript) and offers that
// language's variants; elsewhere, and for Copy, every variant is offered, grouped by language.
import * as vscode from 'vscode';
import { languageForEditor, snippetKind, snippetKinds, snippetKindsFor, type SnippetKind, type SnippetLanguage } from '../snippets';

export const SnippetCommand = {
  Insert: 'imdsExplorer.insertSnippet',
  Copy: 'imdsExplorer.copySnippet',
} as const;

export interface SnippetCommandDeps {
  /** Path of the node selected in the metadata tree, if any. */
  getSelectedNodePath(): string | undefined;
  /** Paths offered when the command runs from the palette (catalog paths; `{mac}`-style templates allowed). */
  knownPaths(): string[];
}

/** What a command can be invoked with: a tree node (anything with `path`, or a field's `value.path`) or a path. */
type PathArg = string | { path?: unknown; value?: { path?: unknown } } | undefined;

const LANGUAGE_NAMES: Record<SnippetLanguage, string> = {
  shellscript: 'Shell (bash)',
  powershell: 'PowerShell',
  python: 'Python',
  javascript: 'JavaScript (Node.js)',
};

interface KindItem extends vscode.QuickPickItem {
  snippet?: SnippetKind;
}

interface PathItem extends vscode.QuickPickItem {
  path: string;
}

export function registerSnippetCommands(context: vscode.ExtensionContext, deps: SnippetCommandDeps): void {
  context.subscriptions.push(
    // Optional second argument: a snippet kind id (e.g. `bash-imdsv2`), to skip the variant pick.
    vscode.commands.registerCommand(SnippetCommand.Insert, (arg?: PathArg, kindId?: string) => insertSnippet(deps, arg, kindId)),
    vscode.commands.registerCommand(SnippetCommand.Copy, (arg?: PathArg, kindId?: string) => copySnippet(deps, arg, kindId)),
  );
}

/** Inserts at the cursor (replacing selections) of the active editor, or into a new editor. */
async function insertSnippet(deps: SnippetCommandDeps, arg: PathArg, kindId: string | undefined): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const language = languageForEditor(editor?.document.languageId);
  const kind = await chooseKind(kindId, language, vscode.l10n.t('Insert IMDS snippet'));
  if (!kind) return undefined;
  const text = await snippetText(deps, arg, kind);
  if (text === undefined) return undefined;

  if (!editor) {
    const document = await vscode.workspace.openTextDocument({ language: kind.languageId, content: text });
    await vscode.window.showTextDocument(document);
    return text;
  }
  const inserted = await editor.edit((edit) => {
    for (const selection of editor.selections) edit.replace(selection, text);
  });
  if (!inserted) {
    void vscode.window.showErrorMessage(vscode.l10n.t('The snippet could not be inserted: the editor changed or is read-only.'));
    return undefined;
  }
  return text;
}

async function copySnippet(deps: SnippetCommandDeps, arg: PathArg, kindId: string | undefined): Promise<string | undefined> {
  const language = languageForEditor(vscode.window.activeTextEditor?.document.languageId);
  const kind = await chooseKind(kindId, undefined, vscode.l10n.t('Copy IMDS snippet'), language);
  if (!kind) return undefined;
  const text = await snippetText(deps, arg, kind);
  if (text === undefined) return undefined;
  await vscode.env.clipboard.writeText(text);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Copied snippet: {0}', kind.label), 3000);
  return text;
}

/** The snippet for the node's path, or for a path picked now; rules need no path. */
async function snippetText(deps: SnippetCommandDeps, arg: PathArg, kind: SnippetKind): Promise<string | undefined> {
  let path = '';
  if (kind.protocol !== 'rules') {
    const picked = pathOf(arg) ?? (await pickPath(deps));
    if (!picked) return undefined;
    path = picked;
  }
  try {
    return kind.generate(path);
  } catch (error) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Cannot make a snippet for {0}: {1}', path, error instanceof Error ? error.message : String(error)));
    return undefined;
  }
}

function pathOf(arg: PathArg): string | undefined {
  if (typeof arg === 'string') return arg || undefined;
  if (arg && typeof arg === 'object') {
    if (typeof arg.path === 'string') return arg.path;
    if (typeof arg.value?.path === 'string') return arg.value.path;
  }
  return undefined;
}

/**
 * The variant: given by id, else picked. `only` limits the pick to one language (the editor's);
 * `first` puts one language's variants on top. The first item is the recommended IMDSv2 variant.
 */
async function chooseKind(kindId: string | undefined, only: SnippetLanguage | undefined, title: string, first?: SnippetLanguage): Promise<SnippetKind | undefined> {
  if (kindId) {
    const kind = snippetKind(kindId);
    if (!kind) void vscode.window.showErrorMessage(vscode.l10n.t('Unknown snippet kind {0}.', kindId));
    return kind;
  }
  const languages = only ? [only] : orderedLanguages(first);
  const items: KindItem[] = [];
  for (const language of languages) {
    if (languages.length > 1) items.push({ label: LANGUAGE_NAMES[language], kind: vscode.QuickPickItemKind.Separator });
    for (const snippet of snippetKindsFor(language)) items.push({ label: snippet.label, description: snippet.description, snippet });
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: only ? `${title}: ${LANGUAGE_NAMES[only]}` : title,
    placeHolder: vscode.l10n.t('Choose the kind of snippet'),
    matchOnDescription: true,
  });
  return picked?.snippet;
}

function orderedLanguages(first: SnippetLanguage | undefined): SnippetLanguage[] {
  const all = [...new Set(snippetKinds.map((kind) => kind.languageId))];
  return first ? [first, ...all.filter((language) => language !== first)] : all;
}

/**
 * A path from the catalog (the tree's selection first), or typed. A template path (`{mac}`,
 * `{role}`) is then completed in an input box with the placeholder selected.
 */
async function pickPath(deps: SnippetCommandDeps): Promise<string | undefined> {
  const selected = deps.getSelectedNodePath();
  const items: PathItem[] = [];
  if (selected) items.push({ label: selected, description: vscode.l10n.t('selected in the tree'), path: selected });
  for (const path of deps.knownPaths()) if (path !== selected) items.push({ label: path, path });

  const quickPick = vscode.window.createQuickPick<PathItem>();
  quickPick.title = vscode.l10n.t('IMDS path for the snippet');
  quickPick.placeholder = vscode.l10n.t('Pick a path or type one, e.g. /latest/meta-data/instance-id');
  quickPick.matchOnDescription = true;
  quickPick.items = items;
  // A typed path that is not in the list is offered as its own first item.
  quickPick.onDidChangeValue((value) => {
    const typed = value.trim();
    const custom: PathItem[] = typed && !items.some((item) => item.path === typed) ? [{ label: typed, description: vscode.l10n.t('typed path'), path: typed, alwaysShow: true }] : [];
    quickPick.items = [...custom, ...items];
  });
  const picked = await new Promise<string | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      resolve(quickPick.selectedItems[0]?.path);
      quickPick.hide();
    });
    quickPick.onDidHide(() => resolve(undefined));
    quickPick.show();
  });
  quickPick.dispose();
  if (!picked || !/\{[^}]+\}/.test(picked)) return picked;

  const placeholder = /\{[^}]+\}/.exec(picked)!;
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Complete the path'),
    prompt: vscode.l10n.t('Replace {0} with this instance\'s value', placeholder[0]),
    value: picked,
    valueSelection: [placeholder.index, placeholder.index + placeholder[0].length],
    validateInput: (value) => (/\{[^}]+\}/.test(value) ? vscode.l10n.t('Replace every {…} placeholder') : undefined),
  });
}
