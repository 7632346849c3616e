// Public surface of the snippet generators (no vscode import: used by src/ui and the tests).
export * from './registry';
export * from './options';
export * from './quote';
export * from './bash';
export * from './powershell';
export * from './python';
export * from './node';
export * from './restrictions';
export * from './staticSnippets';
