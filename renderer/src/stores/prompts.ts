import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PermissionPrompt, PromptAnswer } from '../../../preload/api';
import { haloforge } from '../bridge';

/** Permission prompts waiting for the user, shown one at a time in arrival order. */
export const usePromptsStore = defineStore('prompts', () => {
  const queue = ref<PermissionPrompt[]>([]);
  const current = computed(() => queue.value[0]);

  haloforge.on('hf:event:prompts', (pending) => {
    queue.value = pending;
  });

  async function refresh(): Promise<void> {
    queue.value = await haloforge.listPrompts();
  }

  async function answer(promptId: string, a: PromptAnswer): Promise<void> {
    await haloforge.answerPrompt(promptId, a);
    queue.value = queue.value.filter((p) => p.id !== promptId);
  }

  async function answerAllOf(pluginId: string, a: PromptAnswer): Promise<void> {
    await haloforge.answerPromptsOf(pluginId, a);
    queue.value = queue.value.filter((p) => p.pluginId !== pluginId);
  }

  return { queue, current, refresh, answer, answerAllOf };
});
