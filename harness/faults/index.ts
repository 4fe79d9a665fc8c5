import type { FaultType } from '../config/plan.ts';
import { bandwidth } from './bandwidth.ts';
import { blackhole } from './blackhole.ts';
import { cut } from './cut.ts';
import { flapping } from './flapping.ts';
import { gatewayRestart } from './gateway-restart.ts';
import { latency } from './latency.ts';
import { limitData } from './limit-data.ts';
import { resetPeer } from './reset-peer.ts';
import { slicer } from './slicer.ts';
import { slowClose } from './slow-close.ts';
import type { Fault } from './types.ts';

/** The fault vocabulary, by scenario `type`. */
export const FAULTS: Record<FaultType, Fault> = {
  cut,
  blackhole,
  latency,
  bandwidth,
  reset_peer: resetPeer,
  slicer,
  limit_data: limitData,
  slow_close: slowClose,
  flapping,
  'gateway-restart': gatewayRestart,
};
