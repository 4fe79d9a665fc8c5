/**
 * A judging thread of the streaming judge (judge.ts): it runs the steps it is sent — pass 1 over
 * one events file, a worker's file split into parts, or one part judged against the frame it was
 * given once pass 1 was done — and sends each result back, packed (judge.ts packResult). Every
 * step is run by the same `runStep` the main thread uses when it judges alone.
 */
import { parentPort } from 'node:worker_threads';
import { packResult, runStep, type Setup, type Step } from './judge.ts';

let setup: Setup | null = null;
parentPort!.on('message', (m: { setup: Setup } | { step: Step }) => {
  if ('setup' in m) {
    setup = m.setup;
    return;
  }
  try {
    parentPort!.postMessage({ result: packResult(runStep(setup, m.step)) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
