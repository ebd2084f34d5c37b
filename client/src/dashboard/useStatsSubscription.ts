import { useEffect } from 'react';
import type { ErrorCode } from '@confer/shared';
import type { DashboardStore } from './dashboardStore';
import { describeError, type StatsSource } from './statsSource';

/** Refusals that asking again cannot fix; anything else (no answer, rate limit, not rejoined yet after a reconnect) is retried. */
const FINAL: readonly ErrorCode[] = ['FORBIDDEN', 'BAD_REQUEST'];
const RETRY_MS = 3000;

/** Keeps `store` showing `roomId` while mounted: subscribes, applies updates, resubscribes after a reconnect, unsubscribes at the end. */
export function useStatsSubscription(source: StatsSource, store: DashboardStore, roomId: string, operatorToken?: string): void {
  useEffect(() => {
    let active = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const subscribe = async () => {
      clearTimeout(retry);
      const ack = await source.subscribe(roomId, operatorToken);
      if (!active) return;
      if (ack.ok) return store.getState().load(ack.data);
      store.getState().fail(describeError(ack.error));
      if (!FINAL.includes(ack.error.code)) retry = setTimeout(() => void subscribe(), RETRY_MS);
    };
    const offUpdate = source.onUpdate((update) => store.getState().apply(update));
    const offConnect = source.onConnect(() => void subscribe());
    void subscribe();
    return () => {
      active = false;
      clearTimeout(retry);
      offUpdate();
      offConnect();
      void source.unsubscribe(roomId);
      store.getState().clear();
    };
  }, [source, store, roomId, operatorToken]);
}
