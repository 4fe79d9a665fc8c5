/**
 * Durations as k6 writes them: "250ms", "5s", "1m30s", "2h". A bare number is milliseconds.
 * Returns milliseconds, or throws a message that quotes the value.
 */
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

export function parseDuration(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`not a duration: ${value} (expected a non-negative number of milliseconds)`);
    return value;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = PART.exec(text); m; m = PART.exec(text)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = PART.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new Error(`not a duration: "${value}" (expected e.g. "500ms", "5s", "1m30s")`);
  }
  return total;
}

export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1_000);
  return s ? `${m}m${s}s` : `${m}m`;
}

/** Milliseconds of an optional duration, or the fallback when it is absent. */
export function durationMs(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value);
}

/** A duration field of a scenario (zod): a string as k6 writes it, or a number of milliseconds. */
export const durationField = z.union([z.string(), z.number()]).superRefine((v, ctx) => {
  try {
    parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/** A duration as a scenario writes it. */
export type Duration = z.input<typeof durationField>;
