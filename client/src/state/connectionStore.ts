import { create } from 'zustand';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnection attempt in progress (0 when not reconnecting). */
  attempt: number;
  /** Why the last connection attempt failed, for the user to read. */
  lastError: string | null;
  set(partial: Partial<Omit<ConnectionState, 'set'>>): void;
}

export const useConnectionStore = create<ConnectionState>((set) => ({
  status: 'connecting',
  attempt: 0,
  lastError: null,
  set: (partial) => set(partial),
}));
