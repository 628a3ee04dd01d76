import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Grant } from '../../../preload/api';
import { haloforge } from '../bridge';

export const useGrantsStore = defineStore('grants', () => {
  const grants = ref<Grant[]>([]);
  const byPlugin = computed(() => {
    const map = new Map<string, Grant[]>();
    for (const g of grants.value) map.set(g.pluginId, [...(map.get(g.pluginId) ?? []), g]);
    return map;
  });

  haloforge.on('hf:event:grants', (all) => {
    grants.value = all;
  });

  async function refresh(): Promise<void> {
    grants.value = await haloforge.listGrants();
  }

  async function revoke(grantId: string): Promise<void> {
    await haloforge.revokeGrant(grantId);
    grants.value = grants.value.filter((g) => g.id !== grantId);
  }

  async function narrow(grantId: string, to: 'day' | 'read'): Promise<void> {
    const narrowed = await haloforge.narrowGrant(grantId, to);
    if (narrowed) grants.value = grants.value.map((g) => (g.id === grantId ? narrowed : g));
  }

  async function revokeAll(pluginId: string): Promise<void> {
    await haloforge.revokeGrantsOf(pluginId);
    grants.value = grants.value.filter((g) => g.pluginId !== pluginId);
  }

  return { grants, byPlugin, refresh, revoke, narrow, revokeAll };
});
