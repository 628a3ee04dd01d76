/// <reference types="vite/client" />
import type { HaloForgeApi } from '../../preload/api';

declare global {
  interface Window {
    /** Set by the preload under Electron; absent in the web host, where the web bridge stands in. */
    haloforge?: HaloForgeApi;
  }
}
