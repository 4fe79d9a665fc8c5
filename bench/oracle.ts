/**
 * How the oracle scales with the size of a history: judges synthetic clean histories of growing
 * size and prints each time as a ratio against a baseline measured in the same invocation — the
 * cost of merely parsing the same events from NDJSON (the least any judge must do). On a shared,
 * noisy machine the ratio is what to compare across runs, not the seconds.
 *
 *   npx node bench/oracle.ts [--clients 1000,5000,10000] [--messages-per-client 6] [--repeat 3]
 */
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../harness/policy/policy.ts';
import { parseThreshold } from '../harness/config/threshold.ts';
import type { ClientEvent, History } from '../harness/record/history.ts';
import { evaluate } from '../harness/oracle/evaluate.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000,5000,10000' },
    'messages-per-client': { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
  },
});
const sizes = values.clients!.split(',').map(Number);
const perClient = Number(values['messages-per-client']);
const repeat = Number(values.repeat);

/** A clean run: chats of 10, every client sends perClient messages, every member receives each once, one cut in the middle. */
function synthetic(clients: number): History {
  const T0 = 1_700_000_000_000;
  const chatSize = 10;
  const byClient: ClientEvent[][] = Array.from({ length: clients }, () => []);
  for (let c = 0; c < clients; c++)
    byClient[c].push({ k: 'attempt', t: T0 + 1, c, n: 1, delay: 0, since: null }, { k: 'open', t: T0 + 2, c, n: 1 });
  for (let chat = 0; chat * chatSize < clients; chat++) {
    const members = Array.from(
      { length: Math.min(chatSize, clients - chat * chatSize) },
      (_, i) => chat * chatSize + i,
    );
    let seq = 0;
    for (let k = 0; k < perClient; k++) {
      for (const c of members) {
        const t = T0 + 1_000 + k * 5_000 + (c % chatSize) * 100;
        seq++;
        const id = `m${c}-${k}`;
        byClient[c].push(
          { k: 'send', t, c, id, open: true },
          { k: 'ack', t: t + 2, c, id, seq, mid: `chat-${chat}:${seq}` },
        );
        for (const m of members)
          byClient[m].push({
            k: 'recv',
            t: t + 3,
            c: m,
            seq,
            id,
            sender: `u${c}`,
            mid: `chat-${chat}:${seq}`,
            sts: t + 1,
          });
      }
    }
  }
  for (const list of byClient) list.sort((a, b) => a.t - b.t);
  return {
    roster: byClient.map((_, c) => ({ c, user: `u${c}`, chat: `chat-${Math.floor(c / chatSize)}`, worker: 0 })),
    byClient,
    faults: [],
    samples: [],
    phases: {
      start: T0,
      connected: T0 + 2,
      trafficStart: T0 + 500,
      trafficEnd: T0 + 1_000 + perClient * 5_000,
      drained: T0 + 2_000 + perClient * 5_000,
      end: T0 + 2_500 + perClient * 5_000,
    },
    drainComplete: true,
  };
}

function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const plan = {
  policy: DEFAULT_POLICY,
  thresholds: { delivery_latency: [parseThreshold('p(99)<250')] },
  settleMs: 2_000,
  reconnectToleranceMs: 250,
  faults: [],
};
console.log('clients  events     parse (baseline)  judge      judge/parse');
for (const clients of sizes) {
  const h = synthetic(clients);
  const lines = h.byClient.flat().map((e) => JSON.stringify(e));
  const events = lines.length;
  const parse = best(() => {
    for (const l of lines) JSON.parse(l);
  });
  let verdict = '';
  const judge = best(() => {
    verdict = evaluate(h, plan).verdict;
  });
  if (verdict !== 'inconclusive' && verdict !== 'pass')
    throw new Error(`synthetic history judged ${verdict}: the bench is wrong`);
  console.log(
    `${String(clients).padEnd(8)} ${String(events).padEnd(10)} ${parse.toFixed(0).padStart(8)} ms       ${judge.toFixed(0).padStart(6)} ms  ${(judge / parse).toFixed(2)}×`,
  );
}
