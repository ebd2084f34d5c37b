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
  /** Keep every client's SFU session set up and idle one participant short of `sfuFrom` (warm standby). */
  standby: boolean;
}

/** What the rule looks at: how many are in the room, how many share a screen, how many the mesh holds back. */
export interface RoomLoad {
  participants: number;
  sharing: number;
  /** Participants whose mesh sending has been limited by CPU or bandwidth for a sustained time (RoomTopology). */
  strained: number;
}

/**
 * Why a room switched: its size, a screen share in a room big enough, a mesh that held its senders back, or
 * (back to mesh) none of these any more.
 */
export type SwitchReason = 'participants' | 'screen-share' | 'strain' | 'below-threshold';

/** In a mesh of 2 each sender encodes once, as it would for the SFU: a strained pair gains nothing by moving. */
export const STRAIN_MIN_PARTICIPANTS = 3;

export interface TopologyState {
  topology: Topology;
  /** When the room stopped needing the SFU while on it, else null. */
  belowSince: number | null;
  /**
   * The room size at which the mesh strained, else null. The SFU stays needed while the room is at least
   * that big (on the SFU the mesh's strain can no longer be seen, and going back would strain it again);
   * once someone leaves, the room may try the mesh again.
   */
  strainedAt: number | null;
}

export const initialTopology: TopologyState = { topology: 'mesh', belowSince: null, strainedAt: null };

function strainedAt(state: TopologyState, load: RoomLoad): number | null {
  if (load.strained > 0 && load.participants >= STRAIN_MIN_PARTICIPANTS) return Math.min(state.strainedAt ?? load.participants, load.participants);
  return state.strainedAt !== null && load.participants >= state.strainedAt ? state.strainedAt : null;
}

/** Why the room needs the SFU now, or null when the mesh carries it. */
export function sfuReason(load: Omit<RoomLoad, 'strained'>, policy: TopologyPolicy): Exclude<SwitchReason, 'below-threshold' | 'strain'> | null {
  if (load.participants >= policy.sfuFrom) return 'participants';
  if (policy.sfuFromSharing > 0 && load.sharing > 0 && load.participants >= policy.sfuFromSharing) return 'screen-share';
  return null;
}

/**
 * The room's topology rule as a pure function: the SFU while the room needs it (`sfuReason`, or a mesh that
 * strained at this size), back to mesh only after it has not needed it for `meshHoldMs`. Returns the next
 * state, the reason for the topology it has, and when to evaluate again.
 */
export function nextTopology(state: TopologyState, load: RoomLoad, now: number, policy: TopologyPolicy): TopologyState & { reason: SwitchReason; recheckAt: number | null } {
  const strained = strainedAt(state, load);
  const needed = sfuReason(load, policy) ?? (strained !== null ? 'strain' : null);
  if (needed) return { topology: 'sfu', belowSince: null, strainedAt: strained, reason: needed, recheckAt: null };
  const mesh = { topology: 'mesh', belowSince: null, strainedAt: null, reason: 'below-threshold', recheckAt: null } as const;
  if (state.topology === 'mesh') return mesh;
  const held = holding(state.belowSince, load.participants, now, policy);
  return held ? { topology: 'sfu', strainedAt: null, reason: 'below-threshold', ...held } : mesh;
}

/**
 * The hold time both the SFU and its standby keep after the room stopped needing them: still holding (since
 * when, and when to look again), or null once it is over or the room is empty.
 */
function holding(belowSince: number | null, participants: number, now: number, policy: TopologyPolicy): { belowSince: number; recheckAt: number } | null {
  const since = belowSince ?? now;
  if (participants === 0 || now - since >= policy.meshHoldMs) return null;
  return { belowSince: since, recheckAt: since + policy.meshHoldMs };
}

/**
 * A client sets its idle SFU session up this long after the standby began (or the room came back to the
 * mesh), so that it does not compete with the mesh links being set up at that moment.
 */
export const STANDBY_SETUP_DELAY_MS = 3000;

/** Whether a room keeps its SFU sessions on standby, and since when it has been too small for that. */
export interface StandbyState {
  standby: boolean;
  belowSince: number | null;
}

/**
 * Warm standby as a pure function: from `sfuFrom - 1` participants (2 at least) every client keeps an idle
 * SFU session (transports up, producers paused, nothing consumed), so that a switch only resumes and
 * consumes. It ends once the room has been smaller than that for `meshHoldMs`, like the SFU itself.
 */
export function nextStandby(state: StandbyState, participants: number, now: number, policy: TopologyPolicy): StandbyState & { recheckAt: number | null } {
  if (policy.standby && participants >= Math.max(2, policy.sfuFrom - 1)) return { standby: true, belowSince: null, recheckAt: null };
  const held = state.standby ? holding(state.belowSince, participants, now, policy) : null;
  return held ? { standby: true, ...held } : { standby: false, belowSince: null, recheckAt: null };
}
