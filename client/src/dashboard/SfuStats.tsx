import { memo, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import { Chart } from './Chart';
import { StatsTable } from './StatsTable';
import type { DashboardState, DashboardStore } from './dashboardStore';
import { kbps, NONE, rounded } from './format';
import { nameOf, type Names } from './ParticipantStats';
import { sfuCharts } from './series';

const selectSfu = (s: DashboardState) => s.snapshot?.sfu;
const layer = (value: number | null) => (value === null ? NONE : String(value));

const SfuCharts = memo(function SfuCharts({ store }: { store: DashboardStore }) {
  return (
    <div className="stats-charts">
      {sfuCharts.map((spec) => (
        <Chart key={spec.metric} store={store} spec={spec} select={selectSfu} />
      ))}
    </div>
  );
});

/** The SFU's own view of the room (shown once the server has sampled it: the room is or was on the SFU). */
export function SfuSection({ store, names }: { store: DashboardStore; names: Names }) {
  const latest = useStore(store, (s) => s.snapshot?.sfu.at(-1));
  const headingId = useId();
  const { t } = useTranslation();
  if (!latest) return null;
  const name = (peerId: string) => nameOf(names, peerId);
  const producers = new Map(latest.producers.map((p) => [p.producerId, p]));
  return (
    <section className="stats-sfu" data-testid="stats-sfu" aria-labelledby={headingId}>
      <header>
        <h3 id={headingId}>{t('stats.sfuHeading')}</h3>
        <span className="detail">
          {t('stats.sfuLine', { cpu: rounded(latest.workerCpuPct), recv: kbps(latest.recvBitrate), send: kbps(latest.sendBitrate), transports: latest.transports, producers: latest.dataProducers, consumers: latest.dataConsumers })}
        </span>
      </header>
      <SfuCharts store={store} />
      <StatsTable caption="producers" columns={['colPeer', 'colSource', 'colKind', 'colLayers', 'colScores', 'colKbps']}>
            {latest.producers.map((p) => (
              <tr key={p.producerId} data-testid="stats-producer-row" data-peer-id={p.peerId} data-kind={p.kind}>
                <td>{name(p.peerId)}</td>
                <td>{p.source}</td>
                <td>{p.kind}</td>
                <td className="num">
                  {p.layers} ({p.activeLayers})
                </td>
                <td className="num">{p.scores.join(' ') || NONE}</td>
                <td className="num">{kbps(p.bitrate)}</td>
              </tr>
            ))}
      </StatsTable>
      <StatsTable caption="consumers" columns={['colReceiver', 'colFrom', 'colKind', 'colPaused', 'colSpatial', 'colTemporal', 'colScore', 'colKbps']}>
            {latest.consumers.map((c) => {
              const producer = producers.get(c.producerId);
              return (
                <tr key={c.consumerId} data-testid="stats-consumer-row" data-peer-id={c.peerId} data-kind={c.kind} data-spatial-layer={c.spatialLayer ?? undefined}>
                  <td>{name(c.peerId)}</td>
                  <td>{producer ? `${name(producer.peerId)} ${producer.source}` : NONE}</td>
                  <td>{c.kind}</td>
                  <td>{t(c.paused ? 'stats.paused' : 'stats.notPaused')}</td>
                  <td className="num">
                    {layer(c.spatialLayer)} ({layer(c.preferredSpatialLayer)})
                  </td>
                  <td className="num">{layer(c.temporalLayer)}</td>
                  <td className="num">
                    {c.score} / {c.producerScore}
                  </td>
                  <td className="num">{kbps(c.bitrate)}</td>
                </tr>
              );
            })}
      </StatsTable>
    </section>
  );
}
