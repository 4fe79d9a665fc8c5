/**
 * A JSON file of a run folder (plan.json, run.json, summary.json, history/*.json), read whole. A
 * file torn by a kill or edited by hand is named with what is wrong with it, so that each caller
 * can refuse it with its own error (exit 64) instead of a parser's stack trace.
 */
import { readFileSync } from 'node:fs';

export type JsonKind = 'array' | 'object';

/** The file's value, or why it cannot be used (without the file's name): unreadable, not JSON, or not the kind asked for. */
export function readJsonFile(file: string, kind: JsonKind): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return {
      problem:
        e instanceof SyntaxError
          ? `not valid JSON: ${e.message.replace(/\s+/g, ' ')}`
          : `cannot be read: ${(e as Error).message}`,
    };
  }
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'object'
          ? 'an object'
          : typeof value;
  return got === `an ${kind}` ? { value } : { problem: `expected a JSON ${kind}, got ${got}` };
}
