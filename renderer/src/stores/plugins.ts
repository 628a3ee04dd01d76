import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { isConnectionError, type InstallOptions, type InstallPreview, type PluginSummary } from '../../../preload/api';
import { haloforge } from '../bridge';

export const usePluginsStore = defineStore('plugins', () => {
  const plugins = ref<PluginSummary[]>([]);
  const loadError = ref<string | null>(null);
  /** The list has been read once: until then the panel says it is loading, not that there is nothing. */
  const loaded = ref(false);
  const active = computed(() => plugins.value.filter((p) => p.state === 'active'));

  function upsert(changed: PluginSummary): void {
    const i = plugins.value.findIndex((p) => p.id === changed.id);
    if (i === -1) plugins.value = [...plugins.value, changed].sort((a, b) => a.id.localeCompare(b.id));
    else plugins.value[i] = changed;
  }

  async function refresh(): Promise<void> {
    try {
      plugins.value = await haloforge.listPlugins();
      loadError.value = null;
      loaded.value = true;
    } catch (e) {
      if (!isConnectionError(e)) loadError.value = (e as Error).message;
    }
  }

  haloforge.on('hf:event:plugin-changed', upsert);
  haloforge.on('hf:event:plugin-removed', ({ pluginId }) => {
    plugins.value = plugins.value.filter((p) => p.id !== pluginId);
  });

  const preview = (source: string, options?: InstallOptions): Promise<InstallPreview> => haloforge.previewInstall(source, options);
  const install = async (source: string, keys: string[], options?: InstallOptions) => upsert(await haloforge.install(source, keys, options));
  const setEnabled = async (id: string, enabled: boolean) => upsert(await haloforge.setEnabled(id, enabled));
  const approve = async (id: string, keys: string[]) => upsert(await haloforge.approve(id, keys));
  const setRestricted = async (id: string, key: string, on: boolean) => upsert(await haloforge.setRestricted(id, key, on));
  const restart = async (id: string) => upsert(await haloforge.restartPlugin(id));
  const revokeApproval = async (id: string, key: string) => upsert(await haloforge.revokeApproval(id, key));
  async function checkAgain(id: string): Promise<void> {
    const read = await haloforge.checkAgain(id);
    // Its manifest may now name it differently: the old card goes.
    if (read.id !== id) plugins.value = plugins.value.filter((p) => p.id !== id);
    upsert(read);
  }
  const setLocalNetwork = async (id: string, on: boolean) => upsert(await haloforge.setLocalNetwork(id, on));
  async function uninstall(id: string, deleteData: boolean): Promise<void> {
    await haloforge.uninstall(id, deleteData);
    plugins.value = plugins.value.filter((p) => p.id !== id);
  }

  return { plugins, active, loadError, loaded, refresh, preview, install, setEnabled, approve, setRestricted, restart, revokeApproval, checkAgain, setLocalNetwork, uninstall };
});
