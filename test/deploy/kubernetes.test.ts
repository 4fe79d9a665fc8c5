/**
 * deploy/kubernetes/, checked offline: every manifest against the Kubernetes OpenAPI schemas
 * (kubernetes-models, in-process, no download), and against each other — the Indexed Job's
 * completions, parallelism and --shards agree, the merge Job reads exactly the shards' folders,
 * every volume, ConfigMap key and claim referred to exists, and the scenario in the ConfigMap is
 * a valid chatstorm scenario.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { validateScenario } from '../../harness/config/plan.ts';
import { ROOT } from '../e2e/cli.ts';

const DIR = join(ROOT, 'deploy', 'kubernetes');
const MODELS: Record<string, new (doc: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'batch/v1/Job': Job,
};

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, read field by field (the manifests are validated against the Kubernetes schemas below).
type Yaml = any;
type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

function load(): { file: string; doc: Doc }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
        if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
        return { file, doc: d.toJS() as Doc };
      }),
    );
}

function validate(doc: Doc): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc as never).validate();
}

const docs = load();
const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind).map((d) => d.doc);
const named = (kind: string, name: string) => {
  const d = byKind(kind).find((x) => x.metadata.name === name);
  if (!d) throw new Error(`no ${kind} named ${name} in deploy/kubernetes/`);
  return d as Doc & { spec: Yaml; data: Record<string, string> };
};

describe('deploy/kubernetes manifests', () => {
  it('every manifest is valid against the Kubernetes schema', () => {
    expect(docs.map((d) => `${d.file}: ${d.doc.kind}/${d.doc.metadata.name}`).sort()).toEqual([
      'merge-job.yaml: Job/chatstorm-merge',
      'run-configmap.yaml: ConfigMap/chatstorm-run',
      'runs-pvc.yaml: PersistentVolumeClaim/chatstorm-runs',
      'scenario-configmap.yaml: ConfigMap/chatstorm-scenario',
      'shards-job.yaml: Job/chatstorm-shards',
    ]);
    for (const { file, doc } of docs) expect(() => validate(doc), file).not.toThrow();
  });

  it('the schema check can fail: a broken Job is rejected, naming the field', () => {
    const job = structuredClone(named('Job', 'chatstorm-shards'));
    job.spec.parallelism = 'three';
    expect(() => validate(job)).toThrow(/parallelism must be integer/);
    const noImage = structuredClone(named('Job', 'chatstorm-shards'));
    delete noImage.spec.template.spec.containers[0].image;
    expect(() => validate(noImage)).not.toThrow(); // image is optional in the schema…
    expect(() => checkShards(noImage)).toThrow(/image/); // …so the consistency check below names it
  });

  it('the shards Job is Indexed with completions = parallelism = --shards, and the merge Job reads every shard once', () => {
    const n = checkShards(named('Job', 'chatstorm-shards'));
    expect(n).toBe(3);
    const merge = named('Job', 'chatstorm-merge').spec.template.spec.containers[0];
    expect(merge.args[0]).toBe('merge');
    const out = merge.args.indexOf('--out');
    expect(merge.args.slice(1, out)).toEqual(Array.from({ length: n }, (_, i) => `/runs/$(RUN)/shard-${i}`));
  });

  it('every ConfigMap key, claim and volume a pod refers to exists', () => {
    for (const job of byKind('Job') as (Doc & { spec: Yaml })[]) {
      const pod = job.spec.template.spec;
      const volumes = new Map<string, Yaml>(pod.volumes.map((v: Yaml) => [v.name, v]));
      for (const c of pod.containers) {
        for (const m of c.volumeMounts) expect(volumes.has(m.name), `${job.metadata.name}: mount ${m.name}`).toBe(true);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.configMapKeyRef;
          if (ref)
            expect(Object.keys(named('ConfigMap', ref.name).data), `${job.metadata.name}: ${e.name}`).toContain(
              ref.key,
            );
        }
        // Every $(VAR) in the arguments is a variable of the container, or Kubernetes leaves it as is.
        const vars = new Set((c.env ?? []).map((e: Yaml) => e.name));
        for (const a of c.args)
          for (const [, v] of a.matchAll(/\$\((\w+)\)/g))
            expect(vars.has(v), `${job.metadata.name}: $(${v})`).toBe(true);
      }
      for (const v of volumes.values()) {
        if (v.persistentVolumeClaim) named('PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
        if (v.configMap) named('ConfigMap', v.configMap.name);
      }
    }
  });

  it("the scenario ConfigMap holds a valid scenario that splits into the Job's shards", async () => {
    const source = named('ConfigMap', 'chatstorm-scenario').data['scenario.ts'];
    // Loaded as the image loads it: from a folder beside harness/ (here a temporary one linking to it).
    const root = mkdtempSync(join(tmpdir(), 'chatstorm-k8s-'));
    symlinkSync(join(ROOT, 'harness'), join(root, 'harness'));
    const file = join(root, 'scenario', 'scenario.ts');
    mkdirSync(join(root, 'scenario'));
    writeFileSync(file, source);
    const scenario = validateScenario((await import(file)).default, file);
    expect(scenario.clients! / Math.min(scenario.chatSize ?? 10, scenario.clients!)).toBeGreaterThanOrEqual(
      checkShards(named('Job', 'chatstorm-shards')),
    );
  });
});

/** The shard count the Job runs, after checking that its three places agree. */
function checkShards(job: Doc & { spec: Yaml }): number {
  const spec = job.spec;
  const c = spec.template.spec.containers[0];
  if (!c.image) throw new Error('chatstorm-shards: the container has no image');
  if (spec.completionMode !== 'Indexed') throw new Error(`completionMode is ${spec.completionMode}, not Indexed`);
  const shards = Number(c.args[c.args.indexOf('--shards') + 1]);
  if (!(spec.completions === spec.parallelism && spec.completions === shards))
    throw new Error(`completions ${spec.completions}, parallelism ${spec.parallelism} and --shards ${shards} differ`);
  if (!c.env.some((e: Yaml) => e.name === 'JOB_COMPLETION_INDEX'))
    throw new Error('JOB_COMPLETION_INDEX is not in the container env');
  return shards;
}
