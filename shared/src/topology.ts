import type { Topology } from './protocol.js';

export interface TopologyPolicy {
  /** Participants at which the room moves to the SFU. */
  sfuFrom: number;
  /** How long the room must stay below `sfuFrom` before it goes back to mesh (reloads and brief joins don't flap). */
  meshHoldMs: number;
}

export interface TopologyState {
  topology: Topology;
  /** When the room dropped below the SFU threshold while on the SFU, else null. */
  belowSince: number | null;
}

export const initialTopology: TopologyState = { topology: 'mesh', belowSince: null };

/**
 * The room's topology rule as a pure function: SFU from `sfuFrom` participants, back to mesh only
 * after staying below it for `meshHoldMs`. Returns the next state and when to evaluate again.
 */
export function nextTopology(state: TopologyState, participants: number, now: number, policy: TopologyPolicy): TopologyState & { recheckAt: number | null } {
  if (participants >= policy.sfuFrom) return { topology: 'sfu', belowSince: null, recheckAt: null };
  if (state.topology === 'mesh') return { topology: 'mesh', belowSince: null, recheckAt: null };
  const belowSince = state.belowSince ?? now;
  if (participants === 0 || now - belowSince >= policy.meshHoldMs) return { topology: 'mesh', belowSince: null, recheckAt: null };
  return { topology: 'sfu', belowSince, recheckAt: belowSince + policy.meshHoldMs };
}
