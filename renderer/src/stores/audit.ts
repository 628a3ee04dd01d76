import { defineStore } from 'pinia';
import { reactive, ref, shallowRef, watch } from 'vue';
import { isConnectionError, type AuditFilter, type AuditRecord } from '../../../preload/api';
import { haloforge } from '../bridge';

/** Records are fetched this many at a time, as the list scrolls to them. */
export const PAGE = 100;

/**
 * The audit as records, for a list that draws only what is on screen: the matching total, and the
 * pages fetched so far. A new line written, or a changed filter, starts over from the top.
 */
export const useAuditStore = defineStore('audit', () => {
  const filter = reactive<AuditFilter>({});
  const total = ref(0);
  const pages = shallowRef(new Map<number, AuditRecord[]>());
  const loading = ref(false);
  const error = ref<string | null>(null);
  let generation = 0;
  const inFlight = new Set<number>();

  /** The filter as main reads it: empty fields dropped, times (the browser's local ones) as ISO. */
  function clean(): AuditFilter {
    const set = Object.entries(filter).filter(([, v]) => v !== undefined && v !== '');
    return Object.fromEntries(set.map(([k, v]) => [k, k === 'since' || k === 'until' ? new Date(String(v)).toISOString() : v])) as AuditFilter;
  }

  async function load(page: number, gen: number): Promise<void> {
    if (inFlight.has(page)) return;
    inFlight.add(page);
    try {
      const r = await haloforge.auditRecords(clean(), page * PAGE, PAGE);
      if (gen !== generation) return;
      total.value = r.total;
      pages.value = new Map(pages.value).set(page, r.records);
      error.value = null;
    } catch (e) {
      if (gen === generation && !isConnectionError(e)) error.value = (e as Error).message;
    } finally {
      inFlight.delete(page);
    }
  }

  /** Makes sure the records from `first` to `last` (indexes in the list) are fetched. */
  function ensure(first: number, last: number): void {
    for (let p = Math.floor(first / PAGE); p <= Math.floor(Math.max(first, last) / PAGE); p++) if (!pages.value.has(p)) void load(p, generation);
  }

  async function refresh(): Promise<void> {
    generation += 1;
    inFlight.clear();
    loading.value = true;
    const kept = [...pages.value.keys()];
    pages.value = new Map();
    await Promise.all((kept.length ? kept : [0]).map((p) => load(p, generation)));
    loading.value = false;
  }

  const at = (index: number): AuditRecord | undefined => pages.value.get(Math.floor(index / PAGE))?.[index % PAGE];

  // Typing in a filter applies it after a short pause, not on every key: until then the panel says
  // it is filtering, so the count it shows is always the count of the filter as typed.
  const settling = ref(false);
  let typing: ReturnType<typeof setTimeout> | undefined;
  async function apply(): Promise<void> {
    clearTimeout(typing);
    typing = undefined;
    pages.value = new Map();
    await refresh();
    settling.value = false;
  }
  watch(filter, () => {
    settling.value = true;
    clearTimeout(typing);
    typing = setTimeout(() => void apply(), 250);
  });
  // A burst of new lines (a busy plugin) refreshes once.
  let pending: ReturnType<typeof setTimeout> | undefined;
  haloforge.on('hf:event:audit', () => {
    clearTimeout(pending);
    pending = setTimeout(() => void refresh(), 250);
  });

  /** Exactly what the filter as typed holds (a pause still pending is applied first). */
  async function exportAs(format: 'csv' | 'jsonl'): Promise<string> {
    if (typing !== undefined) await apply();
    return haloforge.exportAudit(clean(), format);
  }

  return { filter, total, pages, loading, settling, error, ensure, refresh, at, exportAs };
});
