import { startApp } from '@confer/signaling';
import { freeUdpPort } from '@confer/turn';
import { assertChromium } from './chromium.js';

/**
 * Starts the real app (signaling, mediasoup workers, managed coturn) on free loopback ports, so e2e
 * never collides with a running dev server, and hands the URL and TURN secret to the tests.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  assertChromium();
  const app = await startApp({
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    TURN_MODE: 'managed',
    TURN_LISTEN_IP: '127.0.0.1',
    TURN_PORT: String(await freeUdpPort()),
    // Relayed calls in several tests allocate relays that closed pages do not always release (they
    // expire after coturn's lifetime); a wider relay port range keeps later allocations from a 508.
    TURN_MIN_PORT: '49160',
    TURN_MAX_PORT: '49760',
    SFU_LISTEN_IP: '127.0.0.1',
    SFU_WEBRTC_PORT: '0',
    // Short hold so the SFU → mesh switch is testable; the product default is 8 s.
    TOPOLOGY_MESH_HOLD_MS: '3000',
    // Chromium's fake microphone is quiet (short beeps): count it as audible from -80 dBov.
    SFU_AUDIO_LEVEL_THRESHOLD: '-80',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    OPERATOR_TOKEN: process.env.OPERATOR_TOKEN ?? 'e2e-operator-token-0123456789',
  });
  const health = await app.server.health();
  if (health.turn.status !== 'ok') throw new Error(`e2e needs coturn: ${health.turn.detail}`);
  process.env.CONFER_E2E_URL = app.url;
  process.env.CONFER_E2E_TURN_SECRET = app.config.turn.secret;
  process.env.CONFER_E2E_TURN_URLS = app.config.turn.urls.join(',');
  process.env.CONFER_E2E_OPERATOR_TOKEN = app.config.operatorToken ?? '';
  return () => app.close();
}
