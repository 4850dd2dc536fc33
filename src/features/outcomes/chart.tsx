import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
// A stylesheet file of the lazy chunk (a <link>, allowed by `style-src 'self'`), not an inline <style>.
import 'uplot/dist/uPlot.min.css';

/** Chart heights in CSS pixels: enough for four or five gridlines with labels a nurse reads at arm's length. */
const CHART_HEIGHT_PX = 220;
/** Below this the axes' labels overlap; the table beside it still carries every number. */
const MIN_CHART_WIDTH_PX = 240;

export const SERIES_COLOURS = {
  /** The brand blue: the main series (p50, counts). */
  primary: '#0b5394',
  /** A warm orange that stays apart from the blue for colour-blind readers: the p90. */
  secondary: '#c25400',
} as const;

const AXIS = { stroke: '#57606a', grid: { stroke: '#e3e7ec', width: 1 }, ticks: { show: false } };

/**
 * A uPlot chart that fills its container's width and follows it. The canvas is drawn for sighted
 * readers; the container is one image with a sentence for screen readers (`label`), and the table on
 * the same page carries every number.
 */
export function Chart({
  options,
  data,
  label,
}: {
  options: Omit<Options, 'width' | 'height'>;
  data: AlignedData;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = () => Math.max(MIN_CHART_WIDTH_PX, Math.floor(el.clientWidth));
    const plot = new uPlot({ ...options, width: width(), height: CHART_HEIGHT_PX }, data, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: CHART_HEIGHT_PX }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [options, data]);

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}

/** The shared parts of every chart: no built-in legend (the caption names the series), quiet axes. */
function base(): Pick<Options, 'legend' | 'cursor'> {
  return { legend: { show: false }, cursor: { show: false } };
}

const hourFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric' });
/** Beyond this span the time axis names the day as well as the hour. */
const DAY_LABELS_FROM_MS = 36 * 3_600_000;

/** Time labels as the ward reads them (24-hour clock, the device's zone), not uPlot's US default. */
function timeLabels(u: uPlot, splits: number[]): string[] {
  const span = ((u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0)) * 1000;
  return splits.map((s) =>
    span > DAY_LABELS_FROM_MS
      ? `${dayFormat.format(s * 1000)}\n${hourFormat.format(s * 1000)}`
      : hourFormat.format(s * 1000),
  );
}

/** p50 and p90 over time, in minutes: the trend of one duration metric. */
export function trendOptions(): Omit<Options, 'width' | 'height'> {
  return {
    ...base(),
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
    axes: [
      { ...AXIS, values: timeLabels },
      { ...AXIS, label: 'minutes', size: 56 },
    ],
    series: [
      {},
      { label: 'p50', stroke: SERIES_COLOURS.primary, width: 2, points: { show: true, size: 6 } },
      {
        label: 'p90',
        stroke: SERIES_COLOURS.secondary,
        width: 2,
        dash: [6, 4],
        points: { show: true, size: 6 },
      },
    ],
  };
}

/** Bars for counts by category (`labels[i]` at x = i). */
export function barOptions(labels: readonly string[]): Omit<Options, 'width' | 'height'> {
  return {
    ...base(),
    scales: {
      x: { time: false, range: () => [-0.5, labels.length - 0.5] },
      y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] },
    },
    axes: [
      { ...AXIS, grid: { show: false }, splits: () => labels.map((_, i) => i), values: () => [...labels] },
      { ...AXIS, size: 44, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
    ],
    series: [
      {},
      {
        label: 'count',
        stroke: SERIES_COLOURS.primary,
        fill: SERIES_COLOURS.primary,
        paths: uPlot.paths.bars!({ size: [0.6, 72] }),
        points: { show: false },
      },
    ],
  };
}
