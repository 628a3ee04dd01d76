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
  /** One source of lines (`host`, a plugin id, a panel), or every one. */
  const target = ref('');
  /** Words a line must contain (in its message or source), case-insensitive. */
  const search = ref('');
  const targets = computed(() => [...new Set(records.value.map((r) => r.target))].sort());
  const visible = computed(() => {
    const words = search.value.trim().toLowerCase();
    return records.value.filter(
      (r) =>
        LEVELS.indexOf(r.level) >= LEVELS.indexOf(minLevel.value) &&
        (target.value === '' || r.target === target.value) &&
        (words === '' || r.message.toLowerCase().includes(words) || r.target.toLowerCase().includes(words)),
    );
  });

  // Records keep coming while the view is paused: the panel shows a frozen copy, not a gap.
  haloforge.on('hf:event:log', (record) => {
    records.value = [...records.value, record].slice(-KEEP);
  });

  async function refresh(): Promise<void> {
    records.value = await haloforge.tailLog(500);
  }

  return { records, visible, minLevel, follow, target, targets, search, levels: LEVELS, refresh };
});
