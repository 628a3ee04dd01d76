import { describe, expect, it } from 'vitest';
import { frameCsp, frameDocument, parseView, pluginFileUrl } from './frame-document';

describe('the frame document', () => {
  it('loads the runtime first, then the bundle and its styles from the plugin folder, escaped', () => {
    const html = frameDocument({ pluginId: 'dev.x"y', view: { kind: 'slot', slot: 'devkit.toolbar' }, panelOrigin: 'http://app.localhost:1', entry: 'front end/index.js', styles: 'front end/a.css' });
    expect(html).toContain('<link rel="stylesheet" href="/plugin/front%20end/a.css">');
    expect(html).toContain('<script src="/__hf/frame-runtime.js" data-plugin-id="dev.x&quot;y" data-view="slot:devkit.toolbar" data-panel-origin="http://app.localhost:1"></script>');
    expect(html.indexOf('frame-runtime.js')).toBeLessThan(html.indexOf('/plugin/front%20end/index.js'));
  });

  it('reads only the views it draws', () => {
    expect(parseView(null)).toEqual({ kind: 'panel' });
    expect(parseView('slot:devkit.toolbar')).toEqual({ kind: 'slot', slot: 'devkit.toolbar' });
    expect(parseView('slot:"><script>')).toBeUndefined();
    expect(pluginFileUrl('./frontend//index.js')).toBe('/plugin/frontend/index.js');
  });

  it('lets a frame reach no network and be framed by the panels only', () => {
    expect(frameCsp(['hf-app://panels'])).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'none'; frame-src 'none'; worker-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors hf-app://panels",
    );
  });
});
