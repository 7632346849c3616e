// Confirmations of account changes, in one place. A person gets a modal dialog. VS Code refuses
// modal dialogs while extension tests run ("DialogService: refused to show dialog in tests"), so
// the integration suite switches `modal` off: the same text and buttons come as a notification,
// which the test runner then clicks in the page like a person would.
import * as vscode from 'vscode';

export class Confirmations {
  modal = true;

  /** True only when the person chose `action`. */
  async ask(message: string, detail: string, action: string): Promise<boolean> {
    if (this.modal) return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
    return (await vscode.window.showWarningMessage(`${message} ${detail.replace(/\n+/g, ' ')}`, action, vscode.l10n.t('Cancel'))) === action;
  }
}
