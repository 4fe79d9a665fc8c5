/**
 * The recorded history (docs/history.md): what every client did and saw, what the fault runner did,
 * and how the load generator fared. Times are wall-clock-based epoch milliseconds with
 * sub-millisecond precision (performance.timeOrigin + performance.now()), one clock per host.
 *
 * Client events are appended by each fleet process to its own file, in the binary format of
 * codec.ts (docs/history.md; `chatstorm history` prints them as JSON, one per line). `c` is the
 * client index, `k` the kind.
 */

/** Why a connect attempt failed before the socket opened. */
export type AttemptFailure = 'timeout' | 'refused' | 'closed' | 'error';

export type ClientEvent =
  /**
   * A connect attempt starts. n: attempt number in the current series (1 after a drop); delay: the
   * backoff waited before it; due: when its backoff timer was due (t − due is the generator's own
   * timer lateness; absent for a first attempt and for clients that do not report it).
   */
  | { k: 'attempt'; t: number; c: number; n: number; delay: number; since: number | null; due?: number }
  /** The attempt's socket opened. */
  | { k: 'open'; t: number; c: number; n: number }
  /** The attempt failed before opening. code: the close code when the server closed it. */
  | { k: 'fail'; t: number; c: number; n: number; why: AttemptFailure; code?: number }
  /** An open socket closed (dropped, refused after the upgrade, or closed by the client). */
  | { k: 'close'; t: number; c: number; code: number; by: 'server' | 'client' | 'network' }
  /** The client stopped for good with an error a person would see: gave up, or refused credentials. */
  | { k: 'stopped'; t: number; c: number; state: 'failed' | 'unauthorized' | 'forbidden'; message: string }
  /** The user pressed send. open: whether the socket was open at that moment. */
  | { k: 'send'; t: number; c: number; id: string; open: boolean }
  /** The gateway acknowledged a send. */
  | { k: 'ack'; t: number; c: number; id: string; seq: number; mid: string }
  /** An error the user sees about a send (not open, connection lost before ack, refused by the gateway). */
  | { k: 'send-error'; t: number; c: number; id: string; why: string }
  /** A chat message arrived. sender: sender_id; id: client_msg_id; sts: server_ts. */
  | { k: 'recv'; t: number; c: number; seq: number; id: string; sender: string; mid: string; sts: number }
  /** The gateway announced a gap it could not serve on resume. */
  | { k: 'gap'; t: number; c: number; from: number; to: number }
  /** An error frame from the gateway. */
  | { k: 'error-frame'; t: number; c: number; code: string; id?: string }
  /**
   * Anything that reveals a fallback path: a frame carrying is_fallback, a system frame other than
   * gap, a message the client created locally, a transport other than WebSocket.
   * id: the client_msg_id (or store key) of the message concerned, when there is one.
   */
  | {
      k: 'fallback';
      t: number;
      c: number;
      what: 'is_fallback' | 'system' | 'local-message' | 'transport';
      detail: string;
      id?: string;
    }
  /**
   * The gateway answered the upgrade request with an HTTP status instead of 101: a rejection
   * before the upgrade, which a browser sees only as a bare 1006. Recorded by the fleet (the
   * client cannot see it), just before that attempt's `fail`.
   */
  | { k: 'http-status'; t: number; c: number; status: number };

export type ClientEventKind = ClientEvent['k'];

/** Auth probe kinds (scenario `authProbes`, docs/auth.md). */
export type ProbeKind =
  | 'missing'
  | 'malformed'
  | 'bad-signature'
  | 'alg-none'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-chat'
  | 'expires-before-reconnect';

/**
 * A client that carries a bad credential on purpose. first-connect: the bad token is in the URL
 * from the start; reconnect: the first connect is valid and every attempt after the first open
 * carries the bad token. `expect` is the close code chat-v1 prescribes (4401 or 4403).
 */
export interface ProbeSpec {
  kind: ProbeKind;
  when: 'first-connect' | 'reconnect';
  expect: number;
  ttlMs?: number;
}

/** Who each client is. Index = client index `c`. Probes, when any, come after every normal client. */
export interface RosterEntry {
  c: number;
  user: string;
  chat: string;
  worker: number;
  probe?: ProbeSpec;
  /** A shard's client: its index in the whole run (user u<g>); absent when the run is not sharded (then c is that index). */
  g?: number;
  /** A merged run (chatstorm merge): the shard the client ran on. */
  shard?: number;
}

/** One fault action as it happened. */
export interface FaultRecord {
  id: string;
  type: string;
  /** Planned start and end, epoch ms. */
  plannedStart: number;
  plannedEnd: number;
  /** When the apply call started and returned; when the removal started and returned. */
  applyStart: number;
  applyEnd: number;
  removeStart: number | null;
  removeEnd: number | null;
  /** Set when an action failed; the fault then counts as not applied as planned. */
  error?: string;
  /** The proxies it acted on, all at once (names); absent for faults on the gateway process. */
  proxies?: string[];
  /** A merged run (chatstorm merge): the shard whose stack it acted on (its id ends "(shard i)"). */
  shard?: number;
}

/** A once-per-second sample of one fleet process. */
export interface GeneratorSample {
  t: number;
  worker: number;
  /** Event-loop delay over the last second, ms. */
  eldP99: number;
  eldMax: number;
  /** CPU used by the process over the last second, as a fraction of one core. */
  cpu: number;
  open: number;
  connecting: number;
  sent: number;
  received: number;
  /** Timer lateness over the last second (fired − due), ms: the generator's own delay. */
  timerLateP99?: number;
  timerLateMax?: number;
  /**
   * Reconnects that waited for one of the process's handshake slots over the last second (its
   * MAX_IN_FLIGHT handshakes all under way), and the longest wait, ms. Absent: none waited.
   */
  slotWaits?: number;
  slotWaitMax?: number;
  /** Planned sends skipped because their time had passed by more than the fleet's send slack. */
  skippedSends?: number;
  /** Resident memory of the process, MB. */
  rssMb?: number;
  /** Descriptors the process holds, and its limit. */
  fds?: number;
  fdLimit?: number;
  /** A merged run (chatstorm merge): the shard whose fleet took the sample. */
  shard?: number;
}

/** A once-per-second sample of a stack process (gateway, Toxiproxy) on this host. */
export interface StackSample {
  t: number;
  name: string;
  cpu: number;
  rssMb: number;
  /** Descriptors held and the process's limit (Linux). */
  fds?: number;
  fdLimit?: number;
  /** The process was stopped (SIGSTOP, state T) at the sample. */
  stopped?: boolean;
  /** Accept errors ("too many open files"…) in its log so far (Toxiproxy). */
  acceptErrors?: number;
  /** A merged run (chatstorm merge): the shard whose process it is. */
  shard?: number;
}

/**
 * A once-per-second sample of the host's CPU (metrics/host.ts): did something wait for a core?
 * Absent from a history where PSI does not exist, and from run folders older than it.
 */
export interface HostSample {
  t: number;
  /** PSI cpu "some" over the last second: share of wall time in which a runnable task waited for a CPU (0–1). */
  cpuSome: number;
  /** Runnable tasks at the sample (/proc/stat procs_running, the sampler included). */
  running?: number;
  /** Cores busy over the last second, all processes of the host. */
  busyCores?: number;
  cores: number;
  /** A merged run (chatstorm merge): the shard whose coordinator took the sample. */
  shard?: number;
}

/** Timestamps of the phases of the run, epoch ms. */
export interface Phases {
  start: number;
  connected: number;
  trafficStart: number;
  trafficEnd: number;
  drained: number;
  end: number;
}

/** The proxy each client connected through: `proxies[of[c]]` is client c's proxy name (as in FaultRecord.proxies). */
export interface ClientRoutes {
  proxies: string[];
  of: number[];
}

export interface History {
  roster: RosterEntry[];
  /** Client events grouped by client index, each list in time order. */
  byClient: ClientEvent[][];
  faults: FaultRecord[];
  samples: GeneratorSample[];
  /** CPU and memory of the gateway and Toxiproxy (local stack only; may be absent). */
  stackSamples?: StackSample[];
  /** The host's CPU pressure (absent: not measured — no PSI, or a run folder older than it). */
  hostSamples?: HostSample[];
  /** Which proxy each client used (absent in run folders older than it). */
  routes?: ClientRoutes;
  phases: Phases;
  /** Did every client come back and catch up before the drain timeout? */
  drainComplete: boolean;
}
