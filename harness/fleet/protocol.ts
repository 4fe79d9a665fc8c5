/** Messages between the fleet coordinator and its worker processes: control and aggregates only. */
import type { ClientPolicy } from '../policy/policy.ts';
import type { GeneratorSample } from '../record/history.ts';

/** At most this many handshakes at once per worker, first connects and reconnects alike: a starved host must not time its own connects out. */
export const MAX_IN_FLIGHT = 1_000;

export interface WorkerClient {
  c: number;
  user: string;
  chat: string;
  /** Token of the first connect; '' leaves the token parameter out. */
  token: string;
  /** Auth probes only: the token of every attempt after the first open, when it differs. */
  laterToken?: string;
  /** An auth probe: it sends nothing, and neither the connect phase nor the drain waits for it. */
  probe?: boolean;
  /** Index in baseUrls of the proxy it connects through (the coordinator routes whole chats). */
  proxy: number;
  /** A shard's client: its index in the whole run, which its traffic plan and jitter derive from. */
  g?: number;
}

export interface InitMessage {
  type: 'init';
  worker: number;
  clients: WorkerClient[];
  /** ws://host:port of each proxy; client c uses baseUrls[clients[i].proxy]. */
  baseUrls: string[];
  /** Loopback source addresses; client c binds sourceIps[c % length] (empty: the kernel's choice). */
  sourceIps: string[];
  /** Test only: block the event loop this long once a second (an overloaded fleet, for real). */
  testBlockMs?: number;
  policy: ClientPolicy;
  seed: number;
  connectRate: number;
  sendIntervalMs: number;
  messageBytes: number;
  eventsFile: string;
  /** Absolute path of a client adapter module (--client); null runs the reference client. */
  client: string | null;
  /** The gateway's wire protocol (harness/protocol); absent: chat-v1. */
  protocol?: string;
}

export type ToWorker =
  | InitMessage
  | { type: 'traffic'; start: number; end: number }
  | { type: 'drain' }
  | { type: 'stop' };

export type FromWorker =
  /** cpuMs: CPU the worker used from its first connect to this report (bench/fleet.ts: CPU per connect). */
  | { type: 'connected'; worker: number; t: number; open: number; notOpen: number; cpuMs: number }
  | { type: 'sample'; sample: GeneratorSample; p99: number | null }
  | { type: 'drained'; worker: number; t: number; complete: boolean; behind: number }
  | { type: 'stopped'; worker: number; events: number }
  | { type: 'fatal'; worker: number; message: string };
