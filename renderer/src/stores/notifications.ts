import { defineStore } from 'pinia';
import { ref } from 'vue';
import { haloforge } from '../bridge';

export interface Toast {
  id: number;
  pluginId: string;
  title: string;
  message: string;
  kind: string;
}

/** Plugin notifications (`ctx.notify`), shown as toasts attributed to their plugin. */
export const useNotificationsStore = defineStore('notifications', () => {
  const toasts = ref<Toast[]>([]);
  let next = 1;

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  haloforge.on('hf:event:notification', (n) => {
    const toast = { id: next++, ...n };
    toasts.value = [...toasts.value, toast];
    setTimeout(() => dismiss(toast.id), 8000);
  });

  return { toasts, dismiss };
});
