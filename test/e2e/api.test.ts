/**
 * The programmatic API as a user's test suite would use it (docs/api.md quotes this file):
 * `import { run, defineScenario } from 'chatstorm'` resolves through package.json "exports", and a
 * tiny scenario gates the reference gateway — real gateway process, real Toxiproxy, real sockets.
 * The same gate closes on a gateway that drops deliveries, and bad input throws before anything
 * starts, as does a run folder that is taken. Small on purpose (20 clients, 3 s of traffic): seconds, not minutes.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, defineScenario, ReportDirError, run } from 'chatstorm';
import { describe, expect, it } from 'vitest';

const gate = defineScenario({
  name: 'api-gate',
  description: 'The release gate, at test size: 20 clients in 4 chats, 3 s of traffic.',
  clients: 20,
  chatSize: 5,
  duration: '3s',
  sendInterval: '500ms',
  // A gateway that loses messages leaves clients waiting for them: do not wait the default 60 s.
  drainTimeout: '5s',
  thresholds: { delivery_latency: ['p(99)<1000'] },
});

const reportDir = mkdtempSync(join(tmpdir(), 'chatstorm-api-'));

describe('chatstorm as a library', () => {
  it('gates the reference gateway: every check passes', async () => {
    const result = await run(gate, { reportDir, progress: false });
    expect(result.failedChecks, result.summary.checks.map((c) => `${c.name}: ${c.summary}`).join('\n')).toEqual([]);
    expect(result.verdict).toBe('pass');
    expect(result.passed).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(result.summary.checks.find((c) => c.name === 'delivery')?.counts.acked).toBeGreaterThan(0);
    expect(result.files.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['summary.json', 'index.html', 'junit.xml']),
    );
  }, 60_000);

  it('closes the gate on a gateway that drops every 20th delivery', async () => {
    const result = await run(gate, {
      reportDir,
      progress: false,
      gatewayCommand: 'node test/mutants/gateways/drop-broadcast.ts',
    });
    expect(result.passed).toBe(false);
    expect(result.verdict).toBe('fail');
    expect(result.exitCode).toBe(1);
    expect(result.failedChecks).toContain('delivery');
  }, 60_000);

  it('throws a ConfigError naming the field and the value before anything starts', async () => {
    const bad = defineScenario({ ...gate, clients: -3 });
    const error = await run(bad, { reportDir, progress: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/clients/);
  });

  it('never writes into an old run folder, and refuses a report folder that cannot hold runs', async () => {
    mkdirSync(join(reportDir, 'taken'));
    writeFileSync(join(reportDir, 'taken', 'events.ndjson'), 'an older run\n');
    const taken = await run(gate, { reportDir, runId: 'taken', progress: false }).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ConfigError);
    expect((taken as Error).message).toMatch(/already exists/);
    expect(readdirSync(join(reportDir, 'taken'))).toEqual(['events.ndjson']);
    const file = join(reportDir, 'a-file');
    writeFileSync(file, '');
    await expect(run(gate, { reportDir: file, progress: false })).rejects.toBeInstanceOf(ReportDirError);
  });
});
