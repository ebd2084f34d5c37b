/** Media vocabulary shared by both paths (mesh links, the SFU session), the media controller and the UI. */

/** What a tile says about the connection its media arrives over. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';
export type MediaKind = 'audio' | 'video';
/** What a participant sends: microphone, camera, and a shared screen (a second video track). */
export type TrackSource = MediaKind | 'screen';
export type LocalTracks = Record<TrackSource, MediaStreamTrack | null>;

/** What the room reads from one path to one peer: is video decoding, is audio arriving, over which route. */
export interface LinkStats {
  framesDecoded: number;
  framesPerSecond: number;
  audioPacketsReceived: number;
  /** Energy of the audio played out so far (inbound-rtp totalAudioEnergy): grows with sound, not with silence. */
  audioEnergy: number;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
  roundTripTimeMs: number | null;
}

/** A device's track run through a filter (RNNoise, background blur): `track` is what is sent, `stop` releases the filter. */
export interface FilteredTrack {
  track: MediaStreamTrack;
  stop(): void;
}

/** Something that can run between a device and the sender. */
export interface TrackFilter {
  /** False where this browser lacks what the filter needs. */
  supported(): boolean;
  /** Rejects when the filter cannot start; `onFailure` runs if it stops working later (it then passes the raw media on). */
  apply(raw: MediaStreamTrack, onFailure: () => void): Promise<FilteredTrack>;
}
