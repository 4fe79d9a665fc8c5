/**
 * flapping: the network goes down for `down` in every `period` — proxy disabled, then enabled —
 * for the fault's duration. Every toggle is scheduled up front and run in order on one chain;
 * removal cancels what has not happened yet and always leaves the proxy enabled.
 */
import { z } from 'zod';
import { durationField, parseDuration } from '../units/duration.ts';
import { setEnabled } from './cut.ts';
import { timing } from './entry.ts';
import { defineFault } from './types.ts';

const running = new Map<string, { timers: NodeJS.Timeout[]; chain: Promise<void> }>();

export const flapping = defineFault({
  type: 'flapping',
  schema: z.strictObject({ type: z.literal('flapping'), ...timing, period: durationField, down: durationField }),
  on: 'proxies',
  drops: true,
  params: (f) => ({ periodMs: parseDuration(f.period), downMs: parseDuration(f.down) }),
  problems: ({ params }, { path }) =>
    params.downMs >= params.periodMs
      ? [`${path}.down: ${params.downMs}ms must be shorter than ${path}.period ${params.periodMs}ms`]
      : [],
  async apply({ proxies }, plan) {
    const { periodMs, downMs } = plan.params;
    const state = { timers: [] as NodeJS.Timeout[], chain: Promise.resolve() };
    const later = (ms: number, action: () => Promise<void>) =>
      state.timers.push(setTimeout(() => (state.chain = state.chain.then(action, action)), ms));
    for (let t = 0; t < plan.durationMs; t += periodMs) {
      if (t > 0) later(t, () => setEnabled(proxies, false));
      later(Math.min(t + downMs, plan.durationMs), () => setEnabled(proxies, true));
    }
    running.set(plan.id, state);
    await setEnabled(proxies, false);
  },
  async remove({ proxies }, plan) {
    const state = running.get(plan.id);
    running.delete(plan.id);
    if (state) {
      state.timers.forEach(clearTimeout);
      await state.chain.catch(() => {});
    }
    await setEnabled(proxies, true);
  },
});
