import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PluginSummary } from '../../../preload/api';
import { haloforge } from '../bridge';

export const usePluginsStore = defineStore('plugins', () => {
  const plugins = ref<PluginSummary[]>([]);
  const loadError = ref<string | null>(null);
  const active = computed(() => plugins.value.filter((p) => p.state === 'active'));

  async function refresh(): Promise<void> {
    try {
      plugins.value = await haloforge.listPlugins();
      loadError.value = null;
    } catch (e) {
      loadError.value = (e as Error).message;
    }
  }

  haloforge.on('hf:event:plugin-changed', (changed) => {
    const i = plugins.value.findIndex((p) => p.id === changed.id);
    if (i === -1) plugins.value.push(changed);
    else plugins.value[i] = changed;
  });

  async function restart(pluginId: string): Promise<void> {
    await haloforge.restartPlugin(pluginId);
    await refresh();
  }

  return { plugins, active, loadError, refresh, restart };
});
