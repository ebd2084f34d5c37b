import { startApp, type RunningApp } from '@confer/signaling';
import { freeUdpPort } from '@confer/turn';
import { assertChromium } from './chromium.js';
import { E2E_ADDRESS_LIMITS } from '../signaling/test-support/serverProcess.js';

/** What both e2e servers share: loopback only, free ports, settings that make the tests' subjects reachable. */
const common = {
  HOST: '127.0.0.1',
  PORT: '0',
  SFU_LISTEN_IP: '127.0.0.1',
  SFU_WEBRTC_PORT: '0',
  // Short hold so the SFU → mesh switch is testable; the product default is 8 s.
  TOPOLOGY_MESH_HOLD_MS: '3000',
  // Chromium's fake microphone is quiet (short beeps): count it as audible from -80 dBov.
  SFU_AUDIO_LEVEL_THRESHOLD: '-80',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  ...E2E_ADDRESS_LIMITS,
  OPERATOR_TOKEN: process.env.OPERATOR_TOKEN ?? 'e2e-operator-token-0123456789',
};

/**
 * Starts the real app (signaling, mediasoup workers, managed coturn) twice on free loopback ports, so e2e
 * never collides with a running dev server, and hands the URLs and TURN secret to the tests:
 * - CONFER_E2E_URL: the product's defaults (mesh up to 4, the SFU from 5);
 * - CONFER_E2E_SFU3_URL: rooms move to the SFU at 3. SFU behaviour does not depend on the threshold, and
 *   three pages cost this 2-core machine far less than five; it relays through the first server's coturn.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertChromium();
  const apps: RunningApp[] = [];
  const close = () => Promise.all(apps.reverse().map((a) => a.close())).then(() => undefined);
  try {
    const main = await startApp({
      ...process.env,
      ...common,
      TURN_MODE: 'managed',
      TURN_LISTEN_IP: '127.0.0.1',
      TURN_PORT: String(await freeUdpPort()),
      // Relayed calls in several tests allocate relays that closed pages do not always release (they
      // expire after coturn's lifetime); a wider relay port range keeps later allocations from a 508.
      TURN_MIN_PORT: '49160',
      TURN_MAX_PORT: '49760',
    });
    apps.push(main);
    const health = await main.server.health();
    if (health.turn.status !== 'ok') throw new Error(`e2e needs coturn: ${health.turn.detail}`);
    const sfuAt3 = await startApp({
      ...process.env,
      ...common,
      TOPOLOGY_SFU_FROM: '3',
      // Standby there would hold an idle SFU session in every 2-person call of the suite; the default
      // server's 4-person rooms exercise it (the 4 → 5 → 4 test). bench:switch turns it on, to time 2 → 3.
      TOPOLOGY_STANDBY: process.env.CONFER_E2E_SFU3_STANDBY === '1' ? 'true' : 'false',
      TURN_MODE: 'external',
      TURN_SECRET: main.config.turn.secret,
      TURN_URLS: main.config.turn.urls.join(','),
    });
    apps.push(sfuAt3);
    process.env.CONFER_E2E_URL = main.url;
    process.env.CONFER_E2E_SFU3_URL = sfuAt3.url;
    process.env.CONFER_E2E_TURN_SECRET = main.config.turn.secret;
    process.env.CONFER_E2E_TURN_URLS = main.config.turn.urls.join(',');
    process.env.CONFER_E2E_OPERATOR_TOKEN = main.config.operatorToken ?? '';
  } catch (error) {
    await close();
    throw error;
  }
  return close;
}
