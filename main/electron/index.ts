/**
 * The Electron entry: hands the real Electron API to the shell (./shell), which holds every rule
 * and is tested without Electron.
 */
import { app, BrowserWindow, ipcMain, protocol, session } from 'electron';
import { appRoot, builtArtifacts } from '../core/app-paths';
import { haloforgeHome } from '../core/paths';
import { startAppCore } from '../core/shell';
import { createElectronShell, shellPaths, type ElectronLike } from './shell';

const electron: ElectronLike = {
  app,
  createWindow: (options) => new BrowserWindow(options),
  ipcMain,
  protocol,
  defaultSession: () => session.defaultSession,
};

const shell = createElectronShell(electron, {
  ...shellPaths(appRoot(), builtArtifacts().frameRuntime),
  // Plugin hosts start as in the web host: Electron's own binary run as Node (ELECTRON_RUN_AS_NODE=1)
  // inside bubblewrap, not as utilityProcesses, which cannot be sandboxed.
  startCore: (emit) => startAppCore({ home: haloforgeHome(), what: 'Electron app' }, emit),
  report: (text) => process.stderr.write(text),
});
void shell.start();
