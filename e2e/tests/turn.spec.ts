import { expect, test, type Page } from '@playwright/test';
import type { IceServer } from '@confer/shared';
import { createTurnCredentials } from '@confer/turn';
import { joinFromPage } from '../support/participants.js';

interface RelayResult {
  relayCandidates: number;
  errors: { errorCode: number; errorText: string }[];
  opened: boolean;
  echoed: string | null;
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

/**
 * Two RTCPeerConnections in the page that may only use TURN relays (iceTransportPolicy 'relay'):
 * they connect only if coturn allocates relays for both and relays a data channel message between them.
 */
function relayOnlyCall(page: Page, iceServers: IceServer[]): Promise<RelayResult> {
  return page.evaluate(async (servers) => {
    const config: RTCConfiguration = { iceServers: servers, iceTransportPolicy: 'relay' };
    const a = new RTCPeerConnection(config);
    const b = new RTCPeerConnection(config);
    const result: RelayResult = { relayCandidates: 0, errors: [], opened: false, echoed: null, localCandidateType: null, remoteCandidateType: null };
    for (const [pc, other] of [[a, b], [b, a]] as const) {
      pc.onicecandidate = (e) => {
        if (e.candidate?.type === 'relay') result.relayCandidates++;
        if (e.candidate) void other.addIceCandidate(e.candidate);
      };
      pc.onicecandidateerror = (e) => result.errors.push({ errorCode: e.errorCode, errorText: e.errorText });
    }
    const received = new Promise<string>((resolve) => {
      b.ondatachannel = (e) => (e.channel.onmessage = (m) => resolve(String(m.data)));
    });
    const channel = a.createDataChannel('probe');
    const opened = new Promise<boolean>((resolve) => (channel.onopen = () => resolve(true)));
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription!);

    const timeout = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));
    // Without a relay candidate once gathering is over, the call cannot connect: stop waiting.
    const noRelay = new Promise<false>((resolve) => {
      a.onicegatheringstatechange = () => {
        if (a.iceGatheringState === 'complete' && result.relayCandidates === 0) resolve(false);
      };
    });
    result.opened = await Promise.race([opened, noRelay, timeout(10_000)]);
    if (result.opened) {
      channel.send('through the relay');
      result.echoed = await Promise.race([received, timeout(5_000).then(() => null)]);
      const stats = [...(await a.getStats()).values()] as (RTCStats & Record<string, unknown>)[];
      const pair = stats.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
      const byId = (id: unknown) => stats.find((s) => s.id === id);
      result.localCandidateType = (byId(pair?.localCandidateId)?.candidateType as string) ?? null;
      result.remoteCandidateType = (byId(pair?.remoteCandidateId)?.candidateType as string) ?? null;
    }
    a.close();
    b.close();
    return result;
  }, iceServers);
}

test('credentials issued at join complete a real TURN allocation and relay data', async ({ page }) => {
  const joined = await joinFromPage(page, 'turn-ok');
  const turn = joined.iceServers.find((s) => s.username);
  expect(turn?.username).toMatch(/^\d+:/);

  const result = await relayOnlyCall(page, joined.iceServers);
  expect(result.errors).toEqual([]);
  expect(result.relayCandidates).toBeGreaterThan(0);
  expect(result.opened).toBe(true);
  expect(result.echoed).toBe('through the relay');
  expect(result.localCandidateType).toBe('relay');
  expect(result.remoteCandidateType).toBe('relay');
});

test('coturn refuses a wrong password', async ({ page }) => {
  const joined = await joinFromPage(page, 'turn-wrong');
  const tampered = joined.iceServers.map((s) => (s.credential ? { ...s, credential: `${s.credential.slice(0, -4)}AAA=` } : s));
  const result = await relayOnlyCall(page, tampered);
  expect(result.relayCandidates).toBe(0);
  expect(result.opened).toBe(false);
  expect(result.errors.map((e) => e.errorCode)).toContain(401);
});

test('coturn refuses correctly signed but expired credentials', async ({ page }) => {
  await joinFromPage(page, 'turn-expired');
  const secret = process.env.CONFER_E2E_TURN_SECRET ?? '';
  const urls = (process.env.CONFER_E2E_TURN_URLS ?? '').split(',');
  const expired = createTurnCredentials({ secret, user: 'late', ttlSeconds: -60 });
  const result = await relayOnlyCall(page, [{ urls, username: expired.username, credential: expired.credential }]);
  expect(result.relayCandidates).toBe(0);
  expect(result.opened).toBe(false);
  expect(result.errors.map((e) => e.errorCode)).toContain(401);

  // The same secret with a live expiry works, so the refusal above is the expiry alone.
  const fresh = createTurnCredentials({ secret, user: 'on-time', ttlSeconds: 60 });
  const ok = await relayOnlyCall(page, [{ urls, username: fresh.username, credential: fresh.credential }]);
  expect(ok.opened).toBe(true);
});
