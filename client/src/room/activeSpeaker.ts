/**
 * The mesh's active speaker (each browser hears its peers; the SFU names its own): whoever holds the floor
 * keeps it while they speak, so two voices do not make the outline flap; when they stop, whoever has been
 * speaking longest among the rest takes it; with nobody speaking it stays (the speaker view keeps the last
 * speaker on the stage). `speaking` lists who speaks now, in the order they started.
 */
export function nextActiveSpeaker(current: string | null, speaking: readonly string[]): string | null {
  if (current !== null && speaking.includes(current)) return current;
  return speaking[0] ?? current;
}
