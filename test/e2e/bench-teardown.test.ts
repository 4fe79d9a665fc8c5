/**
 * A bench interrupted (bench/_teardown.ts): the real bench scripts at tiny sizes, with their real
 * gateways, Toxiproxy servers, fleet workers and bare clients, signalled by pid once those run.
 * Each must exit 130 (SIGINT) or 143 (SIGTERM), say what it stopped, and leave none of its
 * processes running; a second signal while the teardown hangs (a frozen Toxiproxy) exits at once,
 * still without leaving any; bench/judge.ts stopped while it writes its history leaves no history
 * behind. Whatever a failing test leaves is killed by pid.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli.ts';
import { descendants, killAll, settle, type Proc } from './processes.ts';

interface Signalled {
  code: number | null;
  stderr: string;
  /** Every process below the one signalled, seen just before the signal. */
  seen: Proc[];
}

/**
 * Starts `node <args>`, waits until a process below it matches `ready` (30 s at most), notes them
 * all, calls `act` (which signals), and resolves when it exits; kills everything by pid at the end.
 */
async function signalBench(
  args: string[],
  ready: RegExp,
  act: (pid: number, seen: Proc[]) => void,
  check: (r: Signalled) => Promise<void>,
): Promise<void> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let seen: Proc[] = [];
  try {
    for (let waited = 0; !seen.some((p) => ready.test(p.args)); waited += 100) {
      if (waited > 30_000 || child.exitCode !== null) throw new Error(`${ready} never started; stderr:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
      seen = descendants(child.pid!);
    }
    act(child.pid!, seen);
    const code = await exited;
    await check({
      code,
      // Live: a part outliving the process signalled still writes to the same pipe.
      get stderr() {
        return stderr;
      },
      seen,
    });
  } finally {
    child.kill('SIGKILL');
    killAll(seen);
  }
}

/** The scratch folders of a bench (bench/_teardown.ts tempDir) now in the OS temp dir. */
const scratch = (prefix: string) => new Set(readdirSync(tmpdir()).filter((f) => f.startsWith(prefix)));

describe('an interrupted bench', () => {
  it('bench/stack.ts on SIGINT stops both gateways, both Toxiproxy servers and the fleet worker, and exits 130', async () => {
    await signalBench(
      [join('bench', 'stack.ts'), '--sockets', '20', '--connect-rate', '200', '--traffic', '60'],
      /fleet\/worker\.(js|ts)\b/,
      (pid) => process.kill(pid, 'SIGINT'),
      async (r) => {
        expect(r.code, r.stderr).toBe(130);
        expect(await settle(r.seen)).toEqual([]);
        expect(r.seen.filter((p) => /gateway\/main\.ts|toxiproxy-server/.test(p.args))).toHaveLength(4);
        expect(r.stderr).toMatch(
          /bench\/stack: SIGINT: stopped gateway-A \(pid \d+\), gateway-B \(pid \d+\), toxiproxy-A \(pid \d+\), toxiproxy-B \(pid \d+\), fleet worker \(pid \d+\); exit 130/,
        );
      },
    );
  }, 60_000);

  it('npm run bench on SIGTERM passes it to bench/fleet.ts, which stops its gateway and bare client; both exit 143', async () => {
    await signalBench(
      [join('bench', 'index.ts'), 'fleet'],
      /_bare-client\.ts/,
      (pid) => process.kill(pid, 'SIGTERM'),
      async (r) => {
        expect(r.code, r.stderr).toBe(143);
        expect(await settle(r.seen)).toEqual([]);
        expect(r.stderr).toMatch(
          /bench\/fleet: SIGTERM: stopped gateway-0 \(pid \d+\), bare client \(pid \d+\); exit 143/,
        );
        expect(r.stderr).toContain('bench: SIGTERM: bench/fleet.ts stopped (exit 143)');
      },
    );
  }, 60_000);

  it('npm run bench killed outright (SIGKILL): its part sees its parent gone, stops what it started and exits 143', async () => {
    await signalBench(
      [join('bench', 'index.ts'), 'stack'],
      /fleet\/worker\.(js|ts)\b/,
      (pid) => process.kill(pid, 'SIGKILL'),
      async (r) => {
        expect(r.code).toBeNull();
        // The part, its gateways, Toxiproxy servers and fleet worker: the part now stops them itself.
        expect(await settle(r.seen, 15_000)).toEqual([]);
        expect(r.seen.filter((p) => /gateway\/main\.ts|toxiproxy-server/.test(p.args))).toHaveLength(4);
        for (let i = 0; i < 20 && !/; exit 143/.test(r.stderr); i++) await new Promise((ok) => setTimeout(ok, 100));
        expect(r.stderr).toMatch(
          /bench\/stack: the process that started it \(pid \d+\) is gone: stopping what it started[\s\S]*bench\/stack: parent-exited: stopped gateway-A \(pid \d+\), .*fleet worker \(pid \d+\); exit 143/,
        );
      },
    );
  }, 60_000);

  it('bench/judge.ts on SIGINT while it writes its history stops the writer, removes the history and exits 130', async () => {
    const before = scratch('chatstorm-bench-judge-');
    await signalBench(
      // 36 M deliveries: a write of many seconds, long enough to be interrupted.
      [join('bench', 'judge.ts'), '--deliveries', '36000000'],
      /writeSyntheticHistory/,
      (pid) => setTimeout(() => process.kill(pid, 'SIGINT'), 300),
      async (r) => {
        expect(r.code, r.stderr).toBe(130);
        expect(await settle(r.seen)).toEqual([]);
        expect(r.stderr).toMatch(/bench\/judge: SIGINT: stopped history writer \(pid \d+\); exit 130/);
        expect([...scratch('chatstorm-bench-judge-')].filter((f) => !before.has(f))).toEqual([]);
      },
    );
  }, 60_000);

  it('a second SIGINT, while the teardown hangs on a frozen Toxiproxy, exits 130 at once and leaves nothing running, not even its scratch folder', async () => {
    const before = scratch('bench-stack-');
    await signalBench(
      [join('bench', 'stack.ts'), '--sockets', '20', '--connect-rate', '200', '--traffic', '60'],
      /fleet\/worker\.(js|ts)\b/,
      (pid, seen) => {
        for (const p of seen.filter((q) => q.args.includes('toxiproxy-server'))) process.kill(p.pid, 'SIGSTOP');
        process.kill(pid, 'SIGINT');
        setTimeout(() => {
          try {
            process.kill(pid, 'SIGINT');
          } catch {
            /* already gone: the expectations below say how */
          }
        }, 500);
      },
      async (r) => {
        expect(r.code, r.stderr).toBe(130);
        expect(await settle(r.seen)).toEqual([]);
        expect(r.stderr).toMatch(
          /bench\/stack: SIGINT again: exiting without the teardown; SIGKILL to pids [\d, ]+ and their groups; if anything is left: npx chatstorm cleanup/,
        );
        expect(r.stderr).not.toContain('; exit 130');
        expect([...scratch('bench-stack-')].filter((f) => !before.has(f))).toEqual([]);
      },
    );
  }, 60_000);
});
