import { memo, useCallback, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { Quality, ScoredSample, StatsParticipant, StreamStats } from '@confer/shared';
import { Chart } from './Chart';
import { StatsTable } from './StatsTable';
import type { DashboardState, DashboardStore } from './dashboardStore';
import { clock, kbps, NONE, resolution, rounded, topologyKey } from './format';
import { participantCharts } from './series';

/** Display names by peer id; a peer the room no longer lists shows as the start of its id. */
export type Names = ReadonlyMap<string, string>;
export const nameOf = (names: Names, peerId: string) => names.get(peerId) ?? peerId.slice(0, 8);

export function QualityScore({ quality }: { quality: Quality | undefined }) {
  const { t } = useTranslation();
  // An idle stream (paused, camera off, a layer not sent now) has nothing to judge: no figure rather than a 0.
  if (!quality || quality.level === 'unknown') return <span className="stats-score" title={t('stats.idle')}>{NONE}</span>;
  return (
    <span className={`stats-score stats-level-${quality.level}`} title={quality.reasons.join(', ') || quality.level}>
      {quality.score.toFixed(1)}
    </span>
  );
}

/** Props never change while the room's samples flow, so the card's per-second re-render skips the charts. */
const ParticipantCharts = memo(function ParticipantCharts({ store, peerId }: { store: DashboardStore; peerId: string }) {
  const select = useCallback((s: DashboardState) => s.snapshot?.samples[peerId], [peerId]);
  return (
    <div className="stats-charts">
      {participantCharts.map((spec) => (
        <Chart key={spec.metric} store={store} spec={spec} select={select} />
      ))}
    </div>
  );
});

function Connections({ sample, names }: { sample: ScoredSample; names: Names }) {
  const { t } = useTranslation();
  if (sample.connections.length === 0) return null;
  return (
    <ul className="stats-connections" aria-label={t('stats.connections')}>
      {sample.connections.map((c) => (
        <li key={c.id}>
          <span className="stats-conn">{c.path === 'mesh' && c.peerId ? t('stats.meshWith', { name: nameOf(names, c.peerId) }) : t('stats.sfuLink', { direction: c.direction })}</span>{' '}
          <span className="stats-candidate" data-testid="stats-candidate" data-connection-id={c.id}>
            {c.localCandidateType ?? '?'} {c.protocol ?? '?'}
          </span>{' '}
          <span className="detail">
            {t('stats.remote', { type: c.remoteCandidateType ?? '?', rtt: rounded(c.rttMs) })}
            {c.availableOutgoingBitrate !== null && t('stats.availableOut', { kbps: kbps(c.availableOutgoingBitrate) })}
          </span>
        </li>
      ))}
    </ul>
  );
}

const order = (s: StreamStats) => `${s.direction === 'out' ? 0 : 1}:${s.peerId ?? ''}:${s.source}:${s.kind}:${s.rid ?? ''}`;

function StreamTable({ sample, names }: { sample: ScoredSample; names: Names }) {
  const { t } = useTranslation();
  const streams = sample.streams.toSorted((a, b) => order(a).localeCompare(order(b)));
  return (
    <StatsTable columns={['colPeer', 'colDirection', 'colSource', 'colPath', 'colKbps', 'colLoss', 'colJitter', 'colRtt', 'colFps', 'colResolution', 'colCodec', 'colRid', 'colLimitedBy', 'colQuality']}>
          {streams.map((s) => (
            <tr key={s.id} data-testid="stats-stream-row" data-peer-id={s.peerId ?? undefined} data-direction={s.direction} data-kind={s.kind} data-source={s.source} data-bitrate={s.bitrate} data-fps={s.fps ?? 0}>
              <td>{s.peerId ? nameOf(names, s.peerId) : t('stats.sfuHeading')}</td>
              <td>{s.direction}</td>
              <td>
                {s.source} {s.kind}
              </td>
              <td>{s.path}</td>
              <td className="num">{kbps(s.bitrate)}</td>
              <td className="num">{s.lossPct.toFixed(1)}</td>
              <td className="num">{rounded(s.jitterMs)}</td>
              <td className="num">{rounded(s.rttMs)}</td>
              <td className="num">{rounded(s.fps)}</td>
              <td>{resolution(s.width, s.height)}</td>
              <td>{s.codec ?? NONE}</td>
              <td>{s.rid ?? NONE}</td>
              <td>{s.qualityLimitation ?? NONE}</td>
              <td className="num">
                <QualityScore quality={sample.streamQuality[s.id]} />
              </td>
            </tr>
          ))}
    </StatsTable>
  );
}

/** One participant: live charts, then its newest sample in detail (re-rendered once a second, charts aside). */
export function ParticipantCard({ store, participant, names }: { store: DashboardStore; participant: StatsParticipant; names: Names }) {
  const latest = useStore(store, (s) => s.snapshot?.samples[participant.peerId]?.at(-1));
  const headingId = useId();
  const { t } = useTranslation();
  return (
    <article className="stats-participant" data-testid="stats-participant" data-peer-id={participant.peerId} aria-labelledby={headingId}>
      <header>
        <h3 id={headingId}>{participant.displayName}</h3>
        <QualityScore quality={latest?.quality} />
        {latest && (
          <span className="detail">
            {t('stats.sampleLine', { topology: t(topologyKey(latest.topology)), count: latest.streams.length, time: clock(latest.at) })}
          </span>
        )}
      </header>
      <ParticipantCharts store={store} peerId={participant.peerId} />
      {latest ? (
        <>
          <Connections sample={latest} names={names} />
          <StreamTable sample={latest} names={names} />
        </>
      ) : (
        <p className="detail">{t('stats.noSamples')}</p>
      )}
    </article>
  );
}
