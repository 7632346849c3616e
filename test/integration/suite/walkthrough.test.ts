// The first-use walkthrough (contributes.walkthroughs) inside a real VS Code: it is contributed with
// its four steps, each step's Markdown ships with the extension, and every command a step runs or
// waits for exists. Screenshot: walkthrough.png.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EXTENSION_ID, activateExtension, screenshot, waitFor } from '../support';

const WALKTHROUGH_ID = 'imdsExplorer.gettingStarted';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string };
  completionEvents?: string[];
}

interface Walkthrough {
  id: string;
  title: string;
  description: string;
  steps: Step[];
}

describe('first-use walkthrough: pick a source, browse, insert a snippet, run the doctor', () => {
  let extension: vscode.Extension<unknown>;
  let walkthrough: Walkthrough;
  let nls: Record<string, string>;
  /** The manifest's string, resolved through package.nls.json if VS Code left it as `%key%`. */
  const text = (value: string) => (/^%.+%$/.test(value) ? nls[value.slice(1, -1)] : value);

  before(async () => {
    await activateExtension();
    extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    nls = JSON.parse(fs.readFileSync(vscode.Uri.joinPath(extension.extensionUri, 'package.nls.json').fsPath, 'utf8')) as Record<string, string>;
    const contributed = (extension.packageJSON.contributes.walkthroughs ?? []) as Walkthrough[];
    const found = contributed.find((w) => w.id === WALKTHROUGH_ID);
    assert.ok(found, `walkthrough ${WALKTHROUGH_ID} is contributed`);
    walkthrough = found;
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('has the four steps in order, each with a title, a description and Markdown that ships with the extension', () => {
    assert.deepEqual(walkthrough.steps.map((s) => s.id), ['pickSource', 'browse', 'insertSnippet', 'diagnose']);
    assert.ok(text(walkthrough.title), 'the walkthrough has a title');
    for (const step of walkthrough.steps) {
      assert.ok(text(step.title) && text(step.description), `${step.id} has a title and a description`);
      assert.ok(step.media.markdown, `${step.id} has Markdown media`);
      const file = vscode.Uri.joinPath(extension.extensionUri, step.media.markdown).fsPath;
      assert.ok(fs.existsSync(file), `${step.media.markdown} exists`);
      assert.match(fs.readFileSync(file, 'utf8'), /^# \S/, `${step.media.markdown} starts with a heading`);
    }
  });

  it('every step completes on a command that exists, and its button runs that command', async () => {
    const commands = new Set(await vscode.commands.getCommands(true));
    const expected: Record<string, string> = {
      pickSource: 'imdsExplorer.selectSource',
      browse: 'workbench.view.extension.imdsExplorer',
      insertSnippet: 'imdsExplorer.insertSnippet',
      diagnose: 'imdsExplorer.diagnose',
    };
    for (const step of walkthrough.steps) {
      const onCommand = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.deepEqual(onCommand, [expected[step.id]], `${step.id} completes on ${expected[step.id]}`);
      for (const command of onCommand) assert.ok(commands.has(command), `${command} (step ${step.id}) is a registered command`);
      // The button in the description: a command link on a line of its own.
      const links = [...text(step.description).matchAll(/\]\(command:([\w.-]+)\)/g)].map((m) => m[1]);
      assert.deepEqual(links, [expected[step.id]], `${step.id}'s button runs ${expected[step.id]}`);
    }
    const manifestCommands = (extension.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    for (const id of ['imdsExplorer.selectSource', 'imdsExplorer.insertSnippet', 'imdsExplorer.diagnose']) assert.ok(manifestCommands.includes(id), `${id} is in the manifest`);
  });

  it('opens in the Welcome editor (screenshot)', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);
    const tab = await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab, 'the Welcome editor');
    assert.equal(tab.input, undefined, 'the walkthrough is a workbench editor, not a text editor');
    assert.match(tab.label, /Walkthrough|Welcome/, `the active tab is the walkthrough: ${tab.label}`);
    // Complete the first two steps through the workbench's command service, as the step buttons
    // and the palette do (runCommands: an extension's own command run from the extension host
    // never reaches the workbench, so it could not complete a step). The screenshot shows them checked.
    const api = await activateExtension();
    const active = await waitFor(() => api.sources.active, 'an active source');
    await vscode.commands.executeCommand('runCommands', { commands: [{ command: 'imdsExplorer.selectSource', args: active.id }] });
    await vscode.commands.executeCommand('workbench.view.extension.imdsExplorer');
    await vscode.commands.executeCommand('notifications.clearAll');
    const file = await screenshot('walkthrough');
    if (file) await waitFor(() => fs.existsSync(file) && fs.statSync(file).size > 1000, `screenshot ${file}`);
  });
});
