// Command ids of the explorer, in one place: package.json declares the same ids.
export const ExplorerCommand = {
  Refresh: 'imdsExplorer.refresh',
  OpenValue: 'imdsExplorer.openValue',
  CopyValue: 'imdsExplorer.copyValue',
  CopyPath: 'imdsExplorer.copyPath',
  CopyAsCurl: 'imdsExplorer.copyAsCurl',
  GoToPath: 'imdsExplorer.goToPath',
  SelectSource: 'imdsExplorer.selectSource',
  RemoveSource: 'imdsExplorer.removeSource',
  SaveSnapshot: 'imdsExplorer.saveSnapshot',
  CompareSnapshot: 'imdsExplorer.compareWithSnapshot',
  RevealSecret: 'imdsExplorer.revealSecret',
  HideSecret: 'imdsExplorer.hideSecret',
  Retry: 'imdsExplorer.retry',
  OpenSettings: 'imdsExplorer.openSettings',
  ShowLog: 'imdsExplorer.showLog',
  /** Registered by the doctor (src/ui/doctor*.ts); error nodes link to it. */
  Diagnose: 'imdsExplorer.diagnose',
} as const;
