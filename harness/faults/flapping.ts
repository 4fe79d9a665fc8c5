/**
 * flapping: the network goes down for `down` in every `period` — proxy disabled, then enabled —
 * for the fault's duration. Every toggle is scheduled up front and run in order on one chain;
 * removal cancels what has not happened yet and always leaves the proxy enabled.
 */
import { cut } from './cut.ts';
import type { Fault } from './types.ts';

const running = new Map<string, { timers: NodeJS.Timeout[]; chain: Promise<void> }>();

export const flapping: Fault = {
  type: 'flapping',
  async apply(ctx, plan) {
    const period = Number(plan.params.periodMs);
    const down = Number(plan.params.downMs);
    const state = { timers: [] as NodeJS.Timeout[], chain: Promise.resolve() };
    const later = (ms: number, action: () => Promise<void>) =>
      state.timers.push(setTimeout(() => (state.chain = state.chain.then(action, action)), ms));
    for (let t = 0; t < plan.durationMs; t += period) {
      if (t > 0) later(t, () => cut.apply(ctx, plan));
      later(Math.min(t + down, plan.durationMs), () => cut.remove(ctx, plan));
    }
    running.set(plan.id, state);
    await cut.apply(ctx, plan);
  },
  async remove(ctx, plan) {
    const state = running.get(plan.id);
    running.delete(plan.id);
    if (state) {
      state.timers.forEach(clearTimeout);
      await state.chain.catch(() => {});
    }
    await cut.remove(ctx, plan);
  },
};
