import type { Topology } from './protocol.js';

export interface TopologyPolicy {
  /** Participants at which the room moves to the SFU. */
  sfuFrom: number;
  /** How long the room must stay below its threshold before it goes back to mesh (reloads and brief joins don't flap). */
  meshHoldMs: number;
  /**
   * Participants from which a room with a screen share moves to the SFU: in a mesh every sharer encodes its
   * screen once per other participant, which is what a mesh cannot carry first. 0: no earlier move.
   */
  sfuFromSharing: number;
}

/** What the rule looks at: how many are in the room, and how many of them share a screen. */
export interface RoomLoad {
  participants: number;
  sharing: number;
}

/** Why a room switched: its size, a screen share in a room big enough, or (back to mesh) neither any more. */
export type SwitchReason = 'participants' | 'screen-share' | 'below-threshold';

export interface TopologyState {
  topology: Topology;
  /** When the room stopped needing the SFU while on it, else null. */
  belowSince: number | null;
}

export const initialTopology: TopologyState = { topology: 'mesh', belowSince: null };

/** Why the room needs the SFU now, or null when the mesh carries it. */
export function sfuReason(load: RoomLoad, policy: TopologyPolicy): Exclude<SwitchReason, 'below-threshold'> | null {
  if (load.participants >= policy.sfuFrom) return 'participants';
  if (policy.sfuFromSharing > 0 && load.sharing > 0 && load.participants >= policy.sfuFromSharing) return 'screen-share';
  return null;
}

/**
 * The room's topology rule as a pure function: the SFU while the room needs it (`sfuReason`), back to mesh
 * only after it has not needed it for `meshHoldMs`. Returns the next state, the reason for the topology it
 * has, and when to evaluate again.
 */
export function nextTopology(state: TopologyState, load: RoomLoad, now: number, policy: TopologyPolicy): TopologyState & { reason: SwitchReason; recheckAt: number | null } {
  const needed = sfuReason(load, policy);
  if (needed) return { topology: 'sfu', belowSince: null, reason: needed, recheckAt: null };
  if (state.topology === 'mesh') return { topology: 'mesh', belowSince: null, reason: 'below-threshold', recheckAt: null };
  const belowSince = state.belowSince ?? now;
  if (load.participants === 0 || now - belowSince >= policy.meshHoldMs) return { topology: 'mesh', belowSince: null, reason: 'below-threshold', recheckAt: null };
  return { topology: 'sfu', belowSince, reason: 'below-threshold', recheckAt: belowSince + policy.meshHoldMs };
}
