import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuditEntry } from '../../../preload/api';
import { haloforge } from '../bridge';

const KEEP = 2000;

/** The audit trail, live: the newest first. */
export const useAuditStore = defineStore('audit', () => {
  const entries = ref<AuditEntry[]>([]);
  const pluginFilter = ref('');
  const decisionFilter = ref<'' | 'allow' | 'deny'>('');

  const visible = computed(() => entries.value.filter((e) => (!pluginFilter.value || e.pluginId === pluginFilter.value) && (!decisionFilter.value || e.decision === decisionFilter.value)));
  const pluginIds = computed(() => [...new Set(entries.value.map((e) => e.pluginId))].sort());

  haloforge.on('hf:event:audit', (entry) => {
    entries.value = [entry, ...entries.value].slice(0, KEEP);
  });

  async function refresh(): Promise<void> {
    entries.value = (await haloforge.queryAudit({})).reverse().slice(0, KEEP);
  }

  /** The visible entries as JSON lines, as the audit file holds them. */
  function exportLines(): string {
    return [...visible.value].reverse().map((e) => JSON.stringify(e)).join('\n') + '\n';
  }

  return { entries, visible, pluginIds, pluginFilter, decisionFilter, refresh, exportLines };
});
