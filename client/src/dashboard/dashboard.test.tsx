import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import i18next from 'i18next';
import type uPlot from 'uplot';
import {
  STATS_HISTORY_SAMPLES,
  type Ack,
  type ConnectionStats,
  type RoomStatsSnapshot,
  type ScoredSample,
  type SfuStatsSample,
  type StatsRoomSummary,
  type StreamStats,
} from '@confer/shared';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { PlotFactoryContext, type PlotFactory } from './Chart';
import { DashboardPage } from './DashboardPage';
import { createDashboardStore } from './dashboardStore';
import { StatsDashboard } from './StatsDashboard';
import { StatsPanel } from './StatsPanel';

const ADA = '00000000-0000-4000-8000-00000000000a';
const BO = '00000000-0000-4000-8000-00000000000b';
const T0 = 1_700_000_000_000;

const stream = (over: Partial<StreamStats> = {}): StreamStats => ({
  id: 'mesh:in:bo:camera',
  direction: 'in',
  kind: 'video',
  source: 'camera',
  path: 'mesh',
  peerId: BO,
  bitrate: 812_000,
  packets: 700,
  packetsLost: 7,
  lossPct: 1,
  jitterMs: 12,
  rttMs: 48,
  fps: 29.6,
  width: 640,
  height: 360,
  framesDropped: 0,
  freezes: 0,
  qualityLimitation: null,
  codec: 'video/VP8',
  rid: null,
  audioLevel: null,
  capture: null,
  ...over,
});

const connection = (over: Partial<ConnectionStats> = {}): ConnectionStats => ({
  id: 'mesh:bo',
  path: 'mesh',
  peerId: BO,
  direction: 'both',
  localCandidateType: 'host',
  remoteCandidateType: 'srflx',
  protocol: 'udp',
  rttMs: 48,
  availableOutgoingBitrate: 1_500_000,
  sendBitrate: 900_000,
  recvBitrate: 850_000,
  ...over,
});

const sample = (at: number, over: Partial<ScoredSample> = {}): ScoredSample => {
  const streams = over.streams ?? [stream(), stream({ id: 'mesh:out:bo:camera', direction: 'out', bitrate: 640_000, fps: 30, qualityLimitation: 'cpu', rid: null })];
  return {
    at,
    receivedAt: at + 20,
    topology: 'mesh',
    connections: [connection()],
    streams,
    quality: { score: 4.2, level: 'good', reasons: ['loss 1%'] },
    streamQuality: Object.fromEntries(streams.map((s) => [s.id, { score: 4.2, level: 'good' as const, reasons: ['loss 1%', 'jitter 12 ms'] }])),
    ...over,
  };
};

const sfuSample = (at: number): SfuStatsSample => ({
  at,
  producers: [{ producerId: 'p-ada-cam', peerId: ADA, kind: 'video', source: 'camera', layers: 3, activeLayers: 2, scores: [10, 9, 0], bitrate: 1_200_000 }],
  consumers: [
    { consumerId: 'c-bo-ada', peerId: BO, producerId: 'p-ada-cam', kind: 'video', paused: false, preferredSpatialLayer: 2, spatialLayer: 1, temporalLayer: 2, score: 9, producerScore: 10, bitrate: 600_000 },
  ],
  dataProducers: 2,
  dataConsumers: 2,
  transports: 4,
  recvBitrate: 2_000_000,
  sendBitrate: 1_400_000,
  bytesReceived: 1e6,
  bytesSent: 8e5,
  workerCpuPct: 7.5,
});

const snapshot = (over: Partial<RoomStatsSnapshot> = {}): RoomStatsSnapshot => ({
  roomId: 'standup',
  topology: 'mesh',
  switches: [],
  participants: [
    { peerId: ADA, displayName: 'Ada' },
    { peerId: BO, displayName: 'Bo' },
  ],
  samples: { [ADA]: [sample(T0), sample(T0 + 1000)], [BO]: [] },
  sfu: [],
  ...over,
});

describe('dashboardStore', () => {
  it('loads a copy and appends samples in place, so the snapshot keeps its identity while the newest sample changes', () => {
    const store = createDashboardStore();
    const original = snapshot();
    store.getState().load(original);
    const loaded = store.getState().snapshot;
    const version = store.getState().version;

    store.getState().apply({ type: 'sample', roomId: 'standup', peerId: ADA, sample: sample(T0 + 2000) });
    store.getState().apply({ type: 'sample', roomId: 'standup', peerId: BO, sample: sample(T0 + 2000) });
    store.getState().apply({ type: 'sfu', roomId: 'standup', sample: sfuSample(T0 + 2000) });

    const state = store.getState();
    expect(state.snapshot).toBe(loaded);
    expect(state.version).toBe(version + 3);
    expect(state.snapshot?.samples[ADA]?.map((s) => s.at)).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(state.snapshot?.samples[BO]).toHaveLength(1);
    expect(state.snapshot?.sfu).toHaveLength(1);
    expect(original.samples[ADA]).toHaveLength(2);
    expect(original.sfu).toHaveLength(0);
  });

  it('keeps at most STATS_HISTORY_SAMPLES per participant and for the SFU, dropping the oldest', () => {
    const store = createDashboardStore();
    store.getState().load(snapshot({ samples: { [ADA]: Array.from({ length: STATS_HISTORY_SAMPLES + 10 }, (_, i) => sample(T0 + i * 1000)) } }));
    expect(store.getState().snapshot?.samples[ADA]).toHaveLength(STATS_HISTORY_SAMPLES);
    for (let i = 0; i < 5; i++) {
      store.getState().apply({ type: 'sample', roomId: 'standup', peerId: ADA, sample: sample(T0 + 1_000_000 + i) });
      store.getState().apply({ type: 'sfu', roomId: 'standup', sample: sfuSample(T0 + i) });
    }
    for (let i = 0; i < STATS_HISTORY_SAMPLES; i++) store.getState().apply({ type: 'sfu', roomId: 'standup', sample: sfuSample(T0 + 10 + i) });
    const history = store.getState().snapshot?.samples[ADA] ?? [];
    expect(history).toHaveLength(STATS_HISTORY_SAMPLES);
    expect(history.at(-1)?.at).toBe(T0 + 1_000_004);
    expect(history[0]?.at).toBe(T0 + 15_000);
    expect(store.getState().snapshot?.sfu).toHaveLength(STATS_HISTORY_SAMPLES);
    expect(store.getState().snapshot?.sfu[0]?.at).toBe(T0 + 10);
  });

  it("replaces the room's outline on 'room' updates, forgets those who left, and ignores other rooms", () => {
    const store = createDashboardStore();
    store.getState().apply({ type: 'sample', roomId: 'standup', peerId: ADA, sample: sample(T0) });
    expect(store.getState().snapshot).toBeNull();

    store.getState().load(snapshot());
    const record = { switchId: 's1', from: 'mesh' as const, to: 'sfu' as const, reason: 'participants' as const, startedAt: T0, endedAt: null, durationMs: null, unfinished: 0 };
    store.getState().apply({ type: 'room', roomId: 'standup', topology: 'sfu', switches: [record], participants: [{ peerId: ADA, displayName: 'Ada' }] });
    let state = store.getState().snapshot;
    expect(state?.topology).toBe('sfu');
    expect(state?.switches).toEqual([record]);
    expect(state?.participants.map((p) => p.peerId)).toEqual([ADA]);
    expect(Object.keys(state?.samples ?? {})).toEqual([ADA]);

    store.getState().apply({ type: 'sample', roomId: 'other', peerId: ADA, sample: sample(T0 + 5000) });
    state = store.getState().snapshot;
    expect(state?.samples[ADA]).toHaveLength(2);

    store.getState().fail('Stats unavailable: gone');
    expect(store.getState().snapshot).not.toBeNull();
    store.getState().clear();
    expect(store.getState()).toMatchObject({ snapshot: null, error: null });
  });
});

/** A stand-in for uPlot: records data, "draws" at once like uPlot's microtask commit. */
function fakePlots() {
  const plots: { metric: string; data: uPlot.AlignedData[]; sizes: { width: number; height: number }[]; destroyed: boolean }[] = [];
  const factory: PlotFactory = async (options, data, target) => {
    const draw = () => [options.hooks?.draw ?? []].flat().forEach((hook) => hook?.({} as uPlot));
    const plot = { metric: target.closest<HTMLElement>('[data-metric]')?.dataset.metric ?? '', data: [data], sizes: [{ width: options.width, height: options.height }], destroyed: false };
    plots.push(plot);
    draw();
    return {
      setData: (next) => {
        plot.data.push(next);
        draw();
      },
      setSize: (size) => void plot.sizes.push(size),
      destroy: () => void (plot.destroyed = true),
    };
  };
  return { plots, factory };
}

/** An observer that reports only when the test says so, by observed element. */
function stubObserver(name: 'ResizeObserver' | 'IntersectionObserver') {
  const report = new Map<Element, (entry: object) => void>();
  vi.stubGlobal(
    name,
    class {
      private readonly callback: (entries: object[]) => void;
      constructor(callback: (entries: object[]) => void) {
        this.callback = callback;
      }
      observe(el: Element) {
        report.set(el, (entry) => this.callback([entry]));
      }
      disconnect() {}
    },
  );
  return report;
}

describe('StatsDashboard', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('shows the room, its switches, each participant with charts, streams, and candidate types', () => {
    const store = createDashboardStore();
    store.getState().load(
      snapshot({
        switches: [
          { switchId: 's1', from: 'mesh', to: 'sfu', reason: 'participants', startedAt: T0, endedAt: T0 + 840, durationMs: 840, unfinished: 0 },
          { switchId: 's2', from: 'sfu', to: 'mesh', reason: 'below-threshold', startedAt: T0 + 60_000, endedAt: T0 + 75_000, durationMs: 15_000, unfinished: 2 },
          { switchId: 's3', from: 'mesh', to: 'sfu', reason: 'screen-share', startedAt: T0 + 90_000, endedAt: null, durationMs: null, unfinished: 0 },
        ],
      }),
    );
    render(<StatsDashboard store={store} />);

    expect(screen.getByRole('heading', { name: 'Call quality: standup' })).toBeInTheDocument();
    expect(screen.getByTestId('stats-topology')).toHaveAttribute('data-topology', 'mesh');
    const switches = screen.getAllByTestId('stats-switch');
    expect(switches.map((s) => s.textContent)).toEqual([
      expect.stringMatching(/mesh → sfu \(room size\) .* 840 ms$/),
      expect.stringMatching(/sfu → mesh \(room smaller\) .* 15\.0 s · 2 unfinished$/),
      expect.stringMatching(/mesh → sfu \(screen share\) .* in progress$/),
    ]);

    const cards = screen.getAllByTestId('stats-participant');
    expect(cards.map((c) => c.dataset.peerId)).toEqual([ADA, BO]);
    const ada = cards[0]!;
    expect(within(ada).getAllByTestId('stats-chart').map((c) => c.dataset.metric)).toEqual(['bitrate', 'loss', 'jitter', 'rtt', 'fps', 'quality']);
    expect(within(ada).getByTestId('stats-candidate')).toHaveTextContent('host udp');
    expect(within(ada).getByText(/mesh ↔ Bo/)).toBeInTheDocument();

    const rows = within(ada).getAllByTestId('stats-stream-row');
    expect(rows.map((r) => [r.dataset.direction, r.dataset.kind, r.dataset.peerId])).toEqual([
      ['out', 'video', BO],
      ['in', 'video', BO],
    ]);
    const cells = within(rows[1]!)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells).toEqual(['Bo', 'in', 'camera video', 'mesh', '812', '1.0', '12', '48', '30', '640×360', 'video/VP8', '–', '–', '4.2']);
    expect(within(rows[0]!).getByText('cpu')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('4.2')).toHaveAttribute('title', 'loss 1%, jitter 12 ms');

    expect(within(cards[1]!).getByText('No samples yet.')).toBeInTheDocument();
    expect(screen.queryByTestId('stats-sfu')).toBeNull();
  });

  it('shows the SFU: CPU, bitrates, producers with layers and consumers with their spatial layer', () => {
    const store = createDashboardStore();
    store.getState().load(snapshot({ topology: 'sfu', sfu: [sfuSample(T0)] }));
    render(<StatsDashboard store={store} />);
    const sfu = screen.getByTestId('stats-sfu');
    expect(sfu).toHaveTextContent('worker CPU 8% · receives 2000 kbps · sends 1400 kbps');
    expect(within(sfu).getAllByTestId('stats-chart').map((c) => c.dataset.metric)).toEqual(['sfu-cpu', 'sfu-bitrate']);
    const producer = within(sfu).getByTestId('stats-producer-row');
    expect(producer).toHaveTextContent('Adacameravideo3 (2)10 9 01200');
    const consumer = within(sfu).getByTestId('stats-consumer-row');
    expect(consumer).toHaveAttribute('data-spatial-layer', '1');
    expect(within(consumer).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Bo', 'Ada camera', 'video', 'no', '1 (2)', '2', '9 / 10', '600']);

    act(() => store.getState().apply({ type: 'sfu', roomId: 'standup', sample: { ...sfuSample(T0 + 1000), consumers: [{ ...sfuSample(0).consumers[0]!, spatialLayer: 2 }] } }));
    expect(screen.getByTestId('stats-consumer-row')).toHaveAttribute('data-spatial-layer', '2');
  });

  it('draws each new sample on its charts without rebuilding them, only on screen, follows their size, and records when it was drawn', async () => {
    const { plots, factory } = fakePlots();
    const resize = stubObserver('ResizeObserver');
    const onScreen = stubObserver('IntersectionObserver');
    const store = createDashboardStore();
    store.getState().load(snapshot());
    const { unmount } = render(
      <PlotFactoryContext value={factory}>
        <StatsDashboard store={store} />
      </PlotFactoryContext>,
    );
    await waitFor(() => expect(plots).toHaveLength(12));
    const ada = screen.getAllByTestId('stats-participant')[0]!;
    const [bitrate, , , , , quality] = within(ada).getAllByTestId('stats-chart');
    expect(bitrate).toHaveAttribute('data-last-at', String(T0 + 1000));

    // Ada's quality chart is scrolled out of view: it keeps its last frame until it is back.
    act(() => onScreen.get(quality!)?.({ isIntersecting: false }));
    const before = Date.now();
    act(() => store.getState().apply({ type: 'sample', roomId: 'standup', peerId: ADA, sample: sample(T0 + 2000, { streams: [stream({ bitrate: 1_000_000 })] }) }));
    // The table follows at once (React); the chart on the next animation frame.
    expect(within(ada).getAllByTestId('stats-stream-row')).toHaveLength(1);
    await waitFor(() => expect(bitrate).toHaveAttribute('data-last-at', String(T0 + 2000)));
    expect(Number(bitrate!.dataset.drawnAt)).toBeGreaterThanOrEqual(before);
    const adaPlot = (metric: string) => plots.find((p) => p.metric === metric)!;
    expect(adaPlot('bitrate').data.at(-1)).toEqual([[T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 2], [812, 812, 1000], [640, 640, 0]]);
    expect(adaPlot('quality').data).toHaveLength(1);
    expect(quality).toHaveAttribute('data-last-at', String(T0 + 1000));

    act(() => onScreen.get(quality!)?.({ isIntersecting: true }));
    await waitFor(() => expect(quality).toHaveAttribute('data-last-at', String(T0 + 2000)));
    // Bo's charts did not redraw for Ada's sample, and nothing was created again.
    expect(plots).toHaveLength(12);
    expect(plots.filter((p) => p.data.length > 1)).toHaveLength(6);

    resize.get(bitrate!.querySelector('.stats-plot')!)?.({ contentRect: { width: 420.6 } });
    expect(adaPlot('bitrate').sizes.at(-1)).toEqual({ width: 420, height: 110 });

    unmount();
    expect(plots.every((p) => p.destroyed)).toBe(true);
  });

  it('speaks German when the page does: headings, columns, charts and the switch reasons', async () => {
    await i18next.changeLanguage('de');
    try {
      const store = createDashboardStore();
      store.getState().load(snapshot({ switches: [{ switchId: 's1', from: 'mesh', to: 'sfu', reason: 'participants', startedAt: T0, endedAt: null, durationMs: null, unfinished: 0 }] }));
      render(<StatsDashboard store={store} />);
      expect(screen.getByRole('heading', { name: 'Anrufqualität: standup' })).toBeInTheDocument();
      expect(screen.getByTestId('stats-switch')).toHaveTextContent('(Raumgröße)');
      expect(screen.getByTestId('stats-switch')).toHaveTextContent('läuft');
      expect(screen.getAllByRole('columnheader', { name: 'Auflösung' }).length).toBeGreaterThan(0);
      expect(screen.getAllByText('Paketverlust').length).toBeGreaterThan(0);
      expect(screen.getByRole('button', { name: 'JSON herunterladen' })).toBeInTheDocument();
    } finally {
      await i18next.changeLanguage('en');
    }
  });

  it('downloads the snapshot as JSON', async () => {
    const store = createDashboardStore();
    store.getState().load(snapshot());
    let blob: Blob | undefined;
    const revoke = vi.fn();
    vi.stubGlobal(
      'URL',
      class extends URL {
        static override createObjectURL = (b: Blob) => ((blob = b), 'blob:stats');
        static override revokeObjectURL = revoke;
      },
    );
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    render(<StatsDashboard store={store} />);
    fireEvent.click(screen.getByTestId('stats-download'));
    const clicked = click.mock.contexts[0] as HTMLAnchorElement | undefined;
    expect(clicked?.download).toMatch(/^confer-stats-standup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/);
    expect(clicked?.href).toBe('blob:stats');
    expect(clicked?.isConnected).toBe(false);
    expect(blob?.type).toBe('application/json');
    expect(JSON.parse(await blob!.text())).toEqual(store.getState().snapshot);
    await waitFor(() => expect(revoke).toHaveBeenCalledWith('blob:stats'));
  });
});

type Handler = (request: unknown) => Ack<unknown>;

/** A socket that answers each request with `handlers[event]` and delivers server events on demand. */
function fakeSocket(handlers: Record<string, Handler>) {
  const listeners = new Map<string, Set<(payload?: unknown) => void>>();
  const requests: [string, unknown][] = [];
  const socket = {
    timeout: () => ({
      emitWithAck: async (event: string, request: unknown) => {
        requests.push([event, request]);
        return (handlers[event] ?? (() => ({ ok: true, data: {} })))(request);
      },
    }),
    on: (event: string, listener: (payload?: unknown) => void) => {
      listeners.set(event, (listeners.get(event) ?? new Set()).add(listener));
      return socket;
    },
    off: (event: string, listener: (payload?: unknown) => void) => {
      listeners.get(event)?.delete(listener);
      return socket;
    },
  };
  return {
    socket: socket as unknown as SignalingSocket,
    requests,
    deliver: (event: string, payload?: unknown) => act(() => listeners.get(event)?.forEach((l) => l(payload))),
    listening: (event: string) => listeners.get(event)?.size ?? 0,
  };
}

const ok = <T,>(data: T): Ack<T> => ({ ok: true, data });
const forbidden: Ack<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'operator token required' } };

describe('DashboardPage', () => {
  beforeEach(() => sessionStorage.clear());

  it('shows why the rooms were refused', async () => {
    const fake = fakeSocket({ 'stats:rooms': () => forbidden });
    render(<DashboardPage socket={fake.socket} />);
    fireEvent.change(screen.getByLabelText('Operator token'), { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show rooms' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('operator token was refused');
    expect(fake.requests).toEqual([['stats:rooms', { operatorToken: 'wrong' }]]);
    expect(sessionStorage.getItem('confer.operatorToken')).toBeNull();
    expect(screen.queryByRole('navigation', { name: 'Rooms' })).toBeNull();
  });

  it('lists rooms, opens one with the token, follows its updates, and unsubscribes when switching and leaving', async () => {
    const rooms: StatsRoomSummary[] = [
      { roomId: 'standup', participants: 2, topology: 'mesh' },
      { roomId: 'all-hands', participants: 12, topology: 'sfu' },
    ];
    const fake = fakeSocket({
      'stats:rooms': () => ok({ rooms }),
      'stats:subscribe': (request) => ok(snapshot({ roomId: (request as { roomId: string }).roomId })),
    });
    const { unmount } = render(<DashboardPage socket={fake.socket} />);
    const field = screen.getByLabelText('Operator token');
    expect(field).toHaveAttribute('type', 'password');
    fireEvent.change(field, { target: { value: 's3cret' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show rooms' }));

    const list = await screen.findByRole('navigation', { name: 'Rooms' });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['all-hands', 'standup']);
    expect(list).toHaveTextContent('12 participants · SFU');
    expect(sessionStorage.getItem('confer.operatorToken')).toBe('s3cret');
    expect(window.location.href).not.toContain('s3cret');

    fireEvent.click(within(list).getByRole('button', { name: 'standup' }));
    expect(await screen.findByRole('heading', { name: 'Call quality: standup' })).toBeInTheDocument();
    expect(fake.requests).toContainEqual(['stats:subscribe', { roomId: 'standup', operatorToken: 's3cret' }]);
    expect(screen.getAllByTestId('stats-participant')).toHaveLength(2);

    fake.deliver('stats:update', { type: 'sample', roomId: 'standup', peerId: BO, sample: sample(T0 + 5000) });
    expect(within(screen.getAllByTestId('stats-participant')[1]!).getAllByTestId('stats-stream-row')).toHaveLength(2);

    fireEvent.click(within(list).getByRole('button', { name: 'all-hands' }));
    expect(await screen.findByRole('heading', { name: 'Call quality: all-hands' })).toBeInTheDocument();
    expect(fake.requests).toContainEqual(['stats:unsubscribe', { roomId: 'standup' }]);
    expect(fake.listening('stats:update')).toBe(1);

    unmount();
    expect(fake.requests.at(-1)).toEqual(['stats:unsubscribe', { roomId: 'all-hands' }]);
    expect(fake.listening('stats:update')).toBe(0);
  });
});

describe('StatsPanel', () => {
  afterEach(() => vi.useRealTimers());

  it('watches its own room without a token, resubscribes after a reconnect, and unsubscribes when closed', async () => {
    let answer: Ack<RoomStatsSnapshot> = ok(snapshot());
    const fake = fakeSocket({ 'stats:subscribe': () => answer });
    const onClose = vi.fn();
    const { unmount } = render(<StatsPanel socket={fake.socket} roomId="standup" onClose={onClose} />);
    expect(await screen.findAllByTestId('stats-participant')).toHaveLength(2);
    expect(fake.requests).toEqual([['stats:subscribe', { roomId: 'standup' }]]);

    answer = ok(snapshot({ participants: [{ peerId: ADA, displayName: 'Ada' }] }));
    fake.deliver('connect');
    await waitFor(() => expect(screen.getAllByTestId('stats-participant')).toHaveLength(1));

    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
    unmount();
    expect(fake.requests.at(-1)).toEqual(['stats:unsubscribe', { roomId: 'standup' }]);
  });

  it('shows a refusal, and keeps asking when the refusal may pass (not rejoined yet after a reconnect)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let answer: Ack<RoomStatsSnapshot> = { ok: false, error: { code: 'NOT_IN_ROOM', message: 'not in this room' } };
    const fake = fakeSocket({ 'stats:subscribe': () => answer });
    render(<StatsPanel socket={fake.socket} roomId="standup" onClose={vi.fn()} />);
    await act(async () => undefined);
    expect(screen.getByRole('alert')).toHaveTextContent('Stats unavailable: You are not in the room.');

    answer = ok(snapshot());
    await act(async () => vi.advanceTimersByTimeAsync(3000));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getAllByTestId('stats-participant')).toHaveLength(2);
    expect(fake.requests.filter(([event]) => event === 'stats:subscribe')).toHaveLength(2);
  });
});
