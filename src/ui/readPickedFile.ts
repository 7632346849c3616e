// Reading a file a person picked in VS Code (a snapshot, user-data): only a regular file, and only
// up to a size cap, checked before reading, so a FIFO or /dev/zero cannot hang or fill the
// extension host. Local files go through the same reader as the CLI's file inputs.
import * as vscode from 'vscode';
import { readRegularFile } from '../imds/regularFile';

export async function readPickedFile(uri: vscode.Uri, maxBytes: number, what: string): Promise<Buffer> {
  if (uri.scheme === 'file') return readRegularFile(uri.fsPath, maxBytes, what);
  const stat = await vscode.workspace.fs.stat(uri);
  if ((stat.type & vscode.FileType.File) === 0) throw new Error(`Cannot read ${what} ${uri.toString(true)}: it is not a regular file.`);
  if (stat.size > maxBytes) throw new Error(`Cannot read ${what} ${uri.toString(true)}: it is ${stat.size} bytes; the limit is ${maxBytes} bytes.`);
  return Buffer.from(await vscode.workspace.fs.readFile(uri));
}
