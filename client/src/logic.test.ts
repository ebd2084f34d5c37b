import { describe, expect, it } from 'vitest';
import { joinTokenName, parseCallOptions } from './callOptions';
import { backoffPolicy, defaultRetryPolicies } from './net/RetryPolicy';
import { gridColumns } from './components/TileGrid';
import { createSpeakingDetector, rmsLevel } from './media/audioLevel';
import { describeMediaError } from './media/mediaErrors';
import { isPolite, preferCodecs } from './mesh/PeerLink';
import { parseRoute, randomRoomName, roomPath, slugifyRoomName } from './routing';

describe('routing', () => {
  it('maps / to home and /r/<name> to a room', () => {
    expect(parseRoute('/')).toEqual({ page: 'home' });
    expect(parseRoute('/r/team-sync')).toEqual({ page: 'room', roomId: 'team-sync' });
    expect(parseRoute('/dashboard')).toEqual({ page: 'dashboard' });
    expect(parseRoute('/r/team-sync/')).toEqual({ page: 'room', roomId: 'team-sync' });
    expect(roomPath('team-sync')).toBe('/r/team-sync');
  });

  it('rejects invalid room names with the reason', () => {
    const route = parseRoute('/r/bad%20name!');
    expect(route).toMatchObject({ page: 'invalid-room', name: 'bad name!' });
    expect(parseRoute(`/r/${'x'.repeat(65)}`).page).toBe('invalid-room');
  });

  it('turns typed names into valid room names', () => {
    expect(slugifyRoomName('  Team Sync! ')).toBe('team-sync');
    expect(slugifyRoomName('Ünïcode & co')).toBe('n-code-co');
    expect(parseRoute(roomPath(randomRoomName())).page).toBe('room');
    // 10 random base32 characters (80 bits, 256 % 32 === 0 so unbiased): never the same twice here.
    const names = new Set(Array.from({ length: 1000 }, () => randomRoomName()));
    expect(names.size).toBe(1000);
    expect(randomRoomName()).toMatch(/^[a-z]+-[a-z]+-[a-z2-9]{10}$/);
  });
});

describe('parseCallOptions', () => {
  it('reads relay and video settings from the query, with defaults', () => {
    expect(parseCallOptions('')).toEqual({ forceRelay: false, joinToken: null, stats: true, standby: true, video: { width: 640, height: 360, frameRate: 30 }, screen: null, pageTiles: 9 });
    expect(parseCallOptions('?relay=1&video=320x240&fps=15&stats=0&standby=0&screen=400x300&tiles=4')).toEqual({
      forceRelay: true,
      joinToken: null,
      stats: false,
      standby: false,
      video: { width: 320, height: 240, frameRate: 15 },
      screen: { width: 400, height: 300 },
      pageTiles: 4,
    });
    expect([parseCallOptions('?tiles=1').pageTiles, parseCallOptions('?tiles=x').pageTiles]).toEqual([9, 9]);
    expect(parseCallOptions('?video=huge&fps=999&screen=big').video).toEqual({ width: 640, height: 360, frameRate: 30 });
    expect(parseCallOptions('?screen=big').screen).toBeNull();
  });

  it('takes a join token from the fragment only, and shows the name it carries', () => {
    const token = `e30.${btoa(JSON.stringify({ room: 'r', name: 'Ada Lovelace', exp: 1 })).replace(/=+$/, '')}.sig`;
    expect(parseCallOptions('?token=leaked', `#token=${token}`).joinToken).toBe(token);
    expect(parseCallOptions('?token=leaked').joinToken).toBeNull();
    expect(joinTokenName(token)).toBe('Ada Lovelace');
    expect(joinTokenName('garbage')).toBeNull();
    expect(joinTokenName(null)).toBeNull();
  });
});

describe('retry policies', () => {
  it('rejoins and SFU set-ups double from 0.5 s up to 8 s, with ±50 % jitter', () => {
    const { rejoin, sfuSetup } = defaultRetryPolicies(() => 0.5);
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => sfuSetup.nextDelayMs(n))).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(rejoin.nextDelayMs(2, 'UNAVAILABLE')).toBe(2000);
    expect(defaultRetryPolicies(() => 0).sfuSetup.nextDelayMs(0)).toBe(250);
    expect(defaultRetryPolicies(() => 0.999).sfuSetup.nextDelayMs(0)).toBeCloseTo(749.5);
  });

  it('a rejoin gives up (null) on a final refusal, and waits on a passing one', () => {
    const { rejoin } = defaultRetryPolicies(() => 0.5);
    expect(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL'].map((code) => rejoin.nextDelayMs(0, code as 'UNAVAILABLE'))).toEqual([500, 500, 500]);
    expect(rejoin.nextDelayMs(0, 'ROOM_FULL')).toBeNull();
    expect(rejoin.nextDelayMs(0, 'WRONG_PASSWORD')).toBeNull();
    // Without a retryOn set, every error is retried.
    expect(backoffPolicy({ initialMs: 100, maxMs: 100 }).nextDelayMs(5, 'ROOM_FULL')).toBe(100);
  });
});

describe('describeMediaError', () => {
  const err = (name: string) => Object.assign(new Error('x'), { name });
  it('explains denied permission, missing and busy devices', () => {
    expect(describeMediaError('camera', err('NotAllowedError'))).toMatch(/Permission to use the camera was denied.*join without it/);
    expect(describeMediaError('microphone', err('NotFoundError'))).toBe('No microphone was found. Connect one, or join without it.');
    expect(describeMediaError('camera', err('NotReadableError'))).toMatch(/another application/);
  });
});

describe('audio level and speaking', () => {
  it('maps RMS to 0..1 on a dB scale', () => {
    expect(rmsLevel(new Float32Array(128))).toBe(0);
    expect(rmsLevel(new Float32Array(128).fill(1))).toBe(1);
    expect(rmsLevel(new Float32Array(128).fill(0.001))).toBeCloseTo(0, 1); // -60 dBFS
    expect(rmsLevel(new Float32Array(128).fill(0.0316))).toBeCloseTo(0.5, 1); // -30 dBFS
  });

  it('turns on at once and off only after a quiet hold time', () => {
    const detect = createSpeakingDetector({ on: 0.35, off: 0.2, holdMs: 600 });
    expect(detect(0.1, 0)).toBe(false);
    expect(detect(0.5, 100)).toBe(true);
    expect(detect(0.25, 200)).toBe(true); // between thresholds: stays on
    expect(detect(0.1, 300)).toBe(true); // quiet, but not for long enough
    expect(detect(0.1, 800)).toBe(true);
    expect(detect(0.1, 900)).toBe(false);
  });
});

describe('mesh negotiation helpers', () => {
  it('makes exactly one side of each pair polite', () => {
    expect(isPolite('a', 'b')).toBe(true);
    expect(isPolite('b', 'a')).toBe(false);
  });

  it('prefers VP8, then H264, keeping the rest', () => {
    const codecs = [{ mimeType: 'video/AV1' }, { mimeType: 'video/H264' }, { mimeType: 'video/rtx' }, { mimeType: 'video/VP8' }];
    expect(preferCodecs(codecs).map((c) => c.mimeType)).toEqual(['video/VP8', 'video/H264', 'video/AV1', 'video/rtx']);
  });

  it('lays tiles out as square a grid as fits', () => {
    expect([1, 2, 3, 4, 5, 9, 10].map(gridColumns)).toEqual([1, 2, 2, 2, 3, 3, 4]);
  });
});
