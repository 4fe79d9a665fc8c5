/**
 * Settings a sweep (or a capacity step) changes in a scenario, by the scenario's own field paths:
 * "policy.backoff.initial=500ms", "gateway.pingInterval=10s", "policy.backoff.jitter=none,full".
 * A setting is applied to the scenario with its profile already applied, then the whole scenario
 * is validated again by the scenario schema: a misspelt key or a value of the wrong kind is a
 * ConfigError naming the key (exit 64) before anything runs.
 */
import { ConfigError } from '../config/errors.ts';
import { applyProfile, validateScenario } from '../config/plan.ts';
import type { ScenarioDefinition } from '../config/scenario.ts';

export interface Setting {
  key: string;
  values: unknown[];
  texts: string[];
}

/** One value from the command line: numbers stay numbers, true/false/off are booleans, the rest strings ("500ms"). */
export function parseValue(text: string): unknown {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true') return true;
  if (text === 'false' || text === 'off') return false;
  return text;
}

const KEY = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** "--set key=v1,v2" flags → settings, in the order given. */
export function parseSetFlags(flags: string[]): Setting[] {
  const problems: string[] = [];
  const out: Setting[] = [];
  for (const flag of flags) {
    const m = /^([^=]+)=(.*)$/s.exec(flag);
    if (!m || !KEY.test(m[1])) {
      problems.push(
        `--set: expected key=value[,value…] with key a scenario field path such as policy.backoff.initial (got "${flag}")`,
      );
      continue;
    }
    const texts = m[2].split(',').map((v) => v.trim());
    if (texts.some((v) => v === '')) problems.push(`--set ${m[1]}: an empty value in "${m[2]}"`);
    else if (out.some((s) => s.key === m[1]))
      problems.push(`--set ${m[1]}: given twice; list every value in one --set (${m[1]}=a,b)`);
    else if (new Set(texts).size !== texts.length) problems.push(`--set ${m[1]}: a value repeated in "${m[2]}"`);
    else out.push({ key: m[1], values: texts.map(parseValue), texts });
  }
  if (problems.length) throw new ConfigError('invalid --set', problems);
  return out;
}

/**
 * "--case 'k1=v1 k2=v2'" flags → one assignment each: a listed set of runs instead of every
 * combination. Each case names each key once, with one value.
 */
export function parseCaseFlags(flags: string[]): { key: string; value: unknown; text: string }[][] {
  const problems: string[] = [];
  const cases = flags.map((flag, i) => {
    const out: { key: string; value: unknown; text: string }[] = [];
    for (const part of flag.trim().split(/\s+/).filter(Boolean)) {
      const m = /^([^=]+)=(.+)$/s.exec(part);
      if (!m || !KEY.test(m[1]) || m[2].includes(','))
        problems.push(
          `--case ${i + 1}: expected "key=value key=value …", one value per key (got "${part}" in "${flag}")`,
        );
      else if (out.some((x) => x.key === m[1])) problems.push(`--case ${i + 1}: ${m[1]} given twice in "${flag}"`);
      else out.push({ key: m[1], value: parseValue(m[2]), text: m[2] });
    }
    if (!out.length && !problems.length) problems.push(`--case ${i + 1}: empty`);
    return out;
  });
  if (problems.length) throw new ConfigError('invalid --case', problems);
  return cases;
}

/** Every combination of the settings' values, the first setting varying slowest. */
export function combinations(settings: Setting[]): { key: string; value: unknown; text: string }[][] {
  let out: { key: string; value: unknown; text: string }[][] = [[]];
  for (const s of settings)
    out = out.flatMap((combo) => s.values.map((value, i) => [...combo, { key: s.key, value, text: s.texts[i] }]));
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * The scenario with its profile applied and the settings set on top, validated. The profile name
 * stays on the result (with an empty body, so that applying it again changes nothing): the report
 * still says which profile the run started from.
 */
export function withSettings(
  scenario: ScenarioDefinition,
  profile: string | undefined,
  assignment: { key: string; value: unknown; text?: string }[],
  file: string,
): ScenarioDefinition {
  const base = structuredClone(applyProfile(scenario, profile)) as unknown as Record<string, unknown>;
  for (const { key, value } of assignment) {
    const parts = key.split('.');
    let node = base;
    for (const p of parts.slice(0, -1)) {
      if (!isObject(node[p])) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]] = value;
  }
  base.profiles = profile === undefined ? undefined : { [profile]: {} };
  try {
    return validateScenario(base, file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const named = assignment.map((a) => `${a.key}=${a.text ?? JSON.stringify(a.value)}`).join(' ');
    // Name the key a problem is about: zod reports an unknown key at its parent's path.
    throw new ConfigError(
      `invalid --set ${named}`,
      e.problems.map((p) => {
        const own = assignment.find((a) => p.startsWith(`${a.key}:`) || p.startsWith(`${a.key}.`));
        if (own) return `--set ${p}`;
        const hit = assignment.find(
          (a) => p.startsWith(`${a.key.split('.')[0]}`) && a.key.split('.').some((seg) => p.includes(`"${seg}"`)),
        );
        return hit ? `--set ${hit.key}: ${p}` : p;
      }),
    );
  }
}
