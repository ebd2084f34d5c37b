import { createContext, useContext, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { STATS_HISTORY_SAMPLES, STATS_INTERVAL_MS } from '@confer/shared';
import type { DashboardState, DashboardStore } from './dashboardStore';
import { alignedData, type ChartSpec } from './series';

/** The part of uPlot a chart uses. */
export interface Plot {
  setData(data: uPlot.AlignedData): void;
  setSize(size: { width: number; height: number }): void;
  destroy(): void;
}

/** Makes a plot in `target`, or null where none can be drawn. */
export type PlotFactory = (options: uPlot.Options, data: uPlot.AlignedData, target: HTMLElement) => Promise<Plot | null>;

/**
 * uPlot, loaded on first use so the call page does not carry it until a dashboard opens. uPlot reads
 * matchMedia as it loads and charts follow their box with ResizeObserver: without them (jsdom) there is no chart.
 */
const loadUPlot: PlotFactory = async (options, data, target) => {
  if (typeof matchMedia !== 'function' || typeof ResizeObserver !== 'function') return null;
  const { default: UPlot } = await import('uplot');
  return new UPlot(options, data, target);
};

/** Tests provide a fake factory (jsdom has no canvas). */
export const PlotFactoryContext = createContext<PlotFactory>(loadUPlot);

const HEIGHT = 110;
/** The x axis always spans the history the server keeps (5 minutes), ending at the newest sample. */
const WINDOW_S = (STATS_HISTORY_SAMPLES * STATS_INTERVAL_MS) / 1000;

// One formatter for every tick of every chart: toLocaleTimeString builds a new one per call, which showed in profiles.
const tickTime = new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** Rounds a chart's top up to 1, 2, 2.5 or 5 × 10ⁿ, so the top gridline gets a label. */
function niceTop(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].find((step) => step * magnitude >= value) ?? 10) * magnitude;
}

function plotOptions<T>(spec: ChartSpec<T>, width: number, ink: string, t: TFunction, onDraw: () => void): uPlot.Options {
  const axis = { stroke: ink, font: '11px system-ui, sans-serif', grid: { stroke: '#8883', width: 1 }, ticks: { stroke: '#8883', width: 1 } };
  return {
    width,
    height: HEIGHT,
    // No drag-to-zoom: the next sample would reset the zoom a second later anyway.
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: true, range: (_u, _min, max) => (Number.isFinite(max) ? [max - WINDOW_S, max] : [0, WINDOW_S]) },
      y: { range: spec.range ?? ((_u, _min, max) => [0, niceTop(Math.max(Number.isFinite(max) ? max : 0, spec.minTop ?? 1))]) },
    },
    axes: [
      // Times only: the default adds the date under each tick, which a 5-minute window never needs.
      { ...axis, size: 28, space: 45, values: (_u, ticks) => ticks.map((t) => tickTime.format(t * 1000)) },
      { ...axis, size: 50, space: 25 },
    ],
    // Series names only: the cursor's values would sit in a second row under every small chart.
    legend: { live: false },
    series: [{}, ...spec.series.map((s) => ({ label: t(`stats.${s.label}`), stroke: s.color, width: 1.5, points: { show: false } }))],
    hooks: { draw: [onDraw] },
  };
}

interface ChartProps<T extends { at: number }> {
  store: DashboardStore;
  spec: ChartSpec<T>;
  /** The samples to plot, oldest first. Must keep its identity across renders (the plot is rebuilt when it changes). */
  select(state: DashboardState): readonly T[] | undefined;
}

/**
 * A live uPlot chart. It follows the store by itself, outside React rendering: a new sample redraws this
 * canvas only, at most once per animation frame (a catch-up batch draws once; a hidden tab draws nothing),
 * and only while the chart is on screen (a chart scrolled out of view catches up when it comes back), so a
 * big room's dashboard next to a call costs little more than what it shows.
 * data-last-at / data-drawn-at tell when the newest drawn sample reached the screen (sample→chart delay).
 */
export function Chart<T extends { at: number }>({ store, spec, select }: ChartProps<T>) {
  const createPlot = useContext(PlotFactoryContext);
  // The plot is built again in a new language (its legend is drawn by uPlot).
  const { t } = useTranslation();
  const figure = useRef<HTMLElement>(null);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = figure.current;
    const target = host.current;
    if (!el || !target) return;
    let plot: Plot | null = null;
    const observers: { disconnect(): void }[] = [];
    let closed = false;
    let visible = true;
    let frame = 0;
    let version = store.getState().version;
    /** The newest sample handed to the plot, and the one whose drawing is still to be recorded. */
    let shown: T | undefined = select(store.getState())?.at(-1);
    let pending = shown;

    const onDraw = () => {
      // Only the first draw of new data counts: resizes and redraws of old data are not a sample reaching the screen.
      if (!pending) return;
      el.dataset.lastAt = String(pending.at);
      el.dataset.drawnAt = String(Date.now());
      pending = undefined;
    };
    const redraw = () => {
      frame = 0;
      const samples = select(store.getState()) ?? [];
      if (!plot || samples.at(-1) === shown) return;
      shown = pending = samples.at(-1);
      plot.setData(alignedData(samples, spec.series));
    };
    const schedule = () => {
      if (plot && visible && !frame && select(store.getState())?.at(-1) !== shown) frame = requestAnimationFrame(redraw);
    };
    const unsubscribe = store.subscribe((state) => {
      if (state.version === version) return;
      version = state.version;
      schedule();
    });

    const width = Math.max(target.clientWidth, 160);
    createPlot(plotOptions(spec, width, getComputedStyle(el).color || '#333', t, onDraw), alignedData(select(store.getState()) ?? [], spec.series), target)
      .then((created) => {
        if (closed) return created?.destroy();
        plot = created;
        if (!created) return;
        const resize = new ResizeObserver(([entry]) => entry && created.setSize({ width: Math.max(Math.floor(entry.contentRect.width), 160), height: HEIGHT }));
        resize.observe(target);
        observers.push(resize);
        if (typeof IntersectionObserver === 'function') {
          const onScreen = new IntersectionObserver(([entry]) => {
            visible = entry?.isIntersecting ?? true;
            schedule();
          });
          onScreen.observe(el);
          observers.push(onScreen);
        }
        // Samples may have arrived while uPlot was loading.
        schedule();
      })
      .catch((error: unknown) => console.warn(`chart ${spec.metric} unavailable`, error));

    return () => {
      closed = true;
      unsubscribe();
      cancelAnimationFrame(frame);
      for (const observer of observers) observer.disconnect();
      plot?.destroy();
    };
  }, [createPlot, store, spec, select, t]);

  return (
    <figure className="stats-chart" data-testid="stats-chart" data-metric={spec.metric} ref={figure}>
      <figcaption>
        {t(`stats.${spec.title}`)} <span className="unit">{typeof spec.unit === 'string' ? spec.unit : t(`stats.${spec.unit.text}`)}</span>
      </figcaption>
      <div className="stats-plot" ref={host} />
    </figure>
  );
}
