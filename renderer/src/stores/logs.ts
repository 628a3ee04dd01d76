import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LogRecord } from '../../../preload/api';
import { haloforge } from '../bridge';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
const KEEP = 3000;

export const useLogsStore = defineStore('logs', () => {
  const records = ref<LogRecord[]>([]);
  const minLevel = ref<(typeof LEVELS)[number]>('info');
  const follow = ref(true);
  const visible = computed(() => records.value.filter((r) => LEVELS.indexOf(r.level) >= LEVELS.indexOf(minLevel.value)));

  // Records keep coming while the view is paused: the panel shows a frozen copy, not a gap.
  haloforge.on('hf:event:log', (record) => {
    records.value = [...records.value, record].slice(-KEEP);
  });

  async function refresh(): Promise<void> {
    records.value = await haloforge.tailLog(500);
  }

  return { records, visible, minLevel, follow, levels: LEVELS, refresh };
});
