/**
 * A judging thread of the streaming judge (judge.ts): given the frame and the plan once, it runs
 * the steps it is sent — a worker's events file split into parts, or one part judged — and sends
 * each part's result back, packed (judge.ts packResult). Every part is judged by the same
 * `runStep` the main thread uses when it judges alone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { packResult, runStep, type Setup, type Step } from './judge.ts';

const setup = workerData as Setup;
parentPort!.on('message', (step: Step) => {
  try {
    const r = runStep(setup, step);
    parentPort!.postMessage({ result: r && packResult(r) });
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
