import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { ChatMessage } from '@confer/shared';

interface ChatState {
  messages: readonly ChatMessage[];
  /** Messages from others that arrived while the panel was closed. */
  unread: number;
  open: boolean;
  set(partial: Partial<Omit<ChatState, 'set' | 'setOpen'>>): void;
  setOpen(open: boolean): void;
}

export const initialChatState = { messages: [] as readonly ChatMessage[], unread: 0, open: false };

export type ChatStore = UseBoundStore<StoreApi<ChatState>>;

export const createChatStore = (): ChatStore =>
  create<ChatState>((set) => ({
    ...initialChatState,
    set: (partial) => set(partial),
    setOpen: (open) => set(open ? { open, unread: 0 } : { open }),
  }));

/** The page's chat (tests make their own with createChatStore). */
export const useChatStore = createChatStore();
