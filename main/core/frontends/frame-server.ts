import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import { contentType } from '../content-types';
import { isWithin, realPath } from '../files/real-path';
import { FRAME_RUNTIME_PATH, FRAME_UTILITIES_PATH, PLUGIN_FILES_PREFIX, frameCsp, frameDocument, parseView } from './frame-document';
import { utilityStylesheet } from './utilities';
import type { FrontendInfo } from './placements';

/** The origin label of a plugin's frames: a digest, so no plugin id can shape a host name. */
export function frameLabel(pluginId: string): string {
  return `p-${createHash('sha256').update(pluginId).digest('hex').slice(0, 20)}`;
}

/** A plugin whose frames may be served now: active, with a frontend. */
export interface FramedPlugin {
  pluginId: string;
  dir: string;
  frontend: FrontendInfo;
}

export interface FrameResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}


export interface FrameServerOptions {
  /** The plugin whose frames this label serves, if it may be shown now. */
  lookup: (label: string) => FramedPlugin | undefined;
  /** The built frame runtime (React and the globals bundles read). */
  runtimePath: string;
  /** The origins the panels are served from: the only pages that may frame a plugin. */
  panelOrigins: readonly string[];
}

/**
 * Answers the requests of a plugin's frame origin, for both shells: the frame document, the
 * runtime, and the files of the plugin's frontend folders (never its data folder, never a file a
 * link leads out of the plugin's folder to, only web file types). Everything else is 404.
 */
export function createFrameServer(opts: FrameServerOptions) {
  // Every response carries the frame's policy, not only its document: an SVG (or any file) the
  // frame navigates to is a document too, and must not run with fewer limits than the frame.
  const common = {
    'content-security-policy': frameCsp(opts.panelOrigins),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-opener-policy': 'same-origin',
  };
  const notFound = (why: string): FrameResponse => ({ status: 404, headers: { ...common, 'content-type': 'text/plain; charset=utf-8' }, body: `${why}\n` });

  // Each plugin's utility stylesheet is made from its bundle once, and again when the bundle changes.
  const utilities = new Map<string, { stamp: string; css: string }>();
  async function utilitiesOf(plugin: FramedPlugin): Promise<string> {
    const files = [plugin.frontend.entry, plugin.frontend.styles].filter((p): p is string => p !== null).map((p) => join(plugin.dir, p));
    const stamps = await Promise.all(files.map((f) => stat(f).then((s) => `${f}:${s.size}:${s.mtimeMs}`, () => `${f}:missing`)));
    const stamp = stamps.join('|');
    const known = utilities.get(plugin.pluginId);
    if (known?.stamp === stamp) return known.css;
    const sources = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
    const css = utilityStylesheet(sources);
    utilities.set(plugin.pluginId, { stamp, css });
    return css;
  }

  async function file(plugin: FramedPlugin, urlPath: string): Promise<FrameResponse> {
    let rel: string;
    try {
      rel = normalize(decodeURIComponent(urlPath.slice(PLUGIN_FILES_PREFIX.length)));
    } catch {
      return notFound('not found');
    }
    if (rel.startsWith('..') || rel.startsWith('/') || rel.includes('\0')) return notFound('not found');
    const type = contentType(rel);
    if (!type || rel.endsWith('.html')) return notFound('not a frontend file type');
    const root = realPath(plugin.dir);
    const folders = [plugin.frontend.entry, plugin.frontend.styles].filter((p): p is string => p !== null).map((p) => realPath(join(root, dirname(p))));
    const path = realPath(join(root, rel));
    // data/ is the one folder the plugin's own code can write: nothing there may become its page.
    if (!folders.some((f) => isWithin(path, f)) || isWithin(path, join(root, 'data'))) return notFound('not a file of this plugin\'s frontend');
    try {
      return { status: 200, headers: { ...common, 'content-type': type, 'cross-origin-resource-policy': 'same-origin' }, body: await readFile(path) };
    } catch {
      return notFound('not found');
    }
  }

  return async function serve(label: string, url: URL): Promise<FrameResponse> {
    const plugin = opts.lookup(label);
    if (!plugin) return notFound('no active plugin frontend here');
    if (url.pathname === '/') {
      const view = parseView(url.searchParams.get('view'));
      const panelOrigin = url.searchParams.get('panel') ?? '';
      if (!view || !opts.panelOrigins.includes(panelOrigin)) return notFound('unknown view or panel');
      return {
        status: 200,
        headers: {
          ...common,
          'content-type': 'text/html; charset=utf-8',
          // Framed by the panels, which may be of another site (127.0.0.1); frame-ancestors decides who may.
          'cross-origin-resource-policy': 'cross-origin',
        },
        body: frameDocument({ pluginId: plugin.pluginId, view, panelOrigin, entry: plugin.frontend.entry, styles: plugin.frontend.styles }),
      };
    }
    if (url.pathname === FRAME_RUNTIME_PATH) {
      try {
        return { status: 200, headers: { ...common, 'content-type': contentType(opts.runtimePath) ?? 'text/javascript; charset=utf-8', 'cross-origin-resource-policy': 'same-origin' }, body: await readFile(opts.runtimePath) };
      } catch {
        return notFound('the frame runtime is not built: run npm run build');
      }
    }
    if (url.pathname === FRAME_UTILITIES_PATH) {
      return { status: 200, headers: { ...common, 'content-type': 'text/css; charset=utf-8', 'cross-origin-resource-policy': 'same-origin' }, body: await utilitiesOf(plugin) };
    }
    if (url.pathname.startsWith(PLUGIN_FILES_PREFIX)) return file(plugin, url.pathname);
    return notFound('not found');
  };
}

export type FrameServer = ReturnType<typeof createFrameServer>;
