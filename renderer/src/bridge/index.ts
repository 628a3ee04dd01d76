import type { HaloForgeApi } from '../../../preload/api';
import { createWebBridge } from './web-bridge';

/** The API panels use: the preload's under Electron, the web bridge in the web host. */
export const haloforge: HaloForgeApi = window.haloforge ?? createWebBridge();
