/**
 * The document a plugin's frame loads, and the policy it runs under (pure: both shells serve it).
 * The frame has an origin of its own (`<label>.<panel host>` in the web host, `hf-plugin://<label>`
 * under Electron), so it shares nothing with the panels or another plugin's frame; its CSP lets it
 * run scripts from its own origin only (the host's frame runtime, then the plugin's bundle), reach
 * no network at all and be framed only by the panels.
 */

/**
 * The name the web host serves the panels under. Chromium (and Electron, and Firefox) resolve every
 * `*.localhost` name to loopback without DNS, so each plugin's frames get an origin of their own
 * below it (`p-<digest>.app.localhost`): cross-origin to the panels and to each other, yet the same
 * site, which keeps their storage working inside the panels' page.
 */
export const WEB_PANEL_HOST = 'app.localhost';

/** Where frame files live inside a frame's origin: the runtime, and the plugin's own frontend files. */
export const FRAME_RUNTIME_PATH = '/__hf/frame-runtime.js';
/** The host's utility classes and theme tokens for this plugin's bundle (see ./utilities). */
export const FRAME_UTILITIES_PATH = '/__hf/utilities.css';
export const PLUGIN_FILES_PREFIX = '/plugin/';

/** The views a frame shows: the plugin's panel (module or tab), or one of its slots. */
export type FrameView = { kind: 'panel' } | { kind: 'slot'; slot: string };

export function parseView(raw: string | null): FrameView | undefined {
  if (raw === null || raw === 'panel') return { kind: 'panel' };
  const slot = /^slot:([A-Za-z0-9_.-]{1,60})$/.exec(raw)?.[1];
  return slot ? { kind: 'slot', slot } : undefined;
}

export function frameCsp(panelOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // Bundles inject <style> tags and style attributes (React, Tailwind-like utilities).
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${panelOrigins.join(' ')}`,
  ].join('; ');
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** A frontend file's URL path inside the frame's origin, each segment escaped. */
export function pluginFileUrl(relativePath: string): string {
  return PLUGIN_FILES_PREFIX + relativePath.split('/').filter((s) => s !== '' && s !== '.').map(encodeURIComponent).join('/');
}

/**
 * The frame's HTML: the host's utility stylesheet and the plugin's styles, the runtime (it defines
 * the globals a bundle reads and learns which plugin and view it serves from the data attributes),
 * then the plugin's bundle.
 */
export function frameDocument(opts: { pluginId: string; view: FrameView; panelOrigin: string; entry: string; styles: string | null }): string {
  const view = opts.view.kind === 'panel' ? 'panel' : `slot:${opts.view.slot}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeAttr(opts.pluginId)}</title>`,
    // The host's utilities first: a plugin's own styles restyle them, as HaloForge's do.
    `<link rel="stylesheet" href="${FRAME_UTILITIES_PATH}">`,
    opts.styles ? `<link rel="stylesheet" href="${escapeAttr(pluginFileUrl(opts.styles))}">` : '',
    `<script src="${FRAME_RUNTIME_PATH}" data-plugin-id="${escapeAttr(opts.pluginId)}" data-view="${escapeAttr(view)}" data-panel-origin="${escapeAttr(opts.panelOrigin)}"></script>`,
    `<script src="${escapeAttr(pluginFileUrl(opts.entry))}" defer></script>`,
    '</head>',
    '<body><div id="root"></div></body>',
    '</html>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
