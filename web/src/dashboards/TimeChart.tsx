import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartOptions } from './charts/spec.js';

interface TimeChartProps {
  /** Recreates the chart when it changes identity: memoise it with the data it describes. */
  options: ChartOptions;
  data: uPlot.AlignedData;
  /** Height of the plot and its axes in CSS pixels; the width follows the container. */
  height?: number;
}

/**
 * A uPlot chart that lives and dies with the component: created on mount, destroyed on unmount or
 * when its options change, given new data in place, and resized with its container.
 */
export function TimeChart({ options, data, height = 240 }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latestData = useRef(data);
  latestData.current = data;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const u = new uPlot({ ...options, width: Math.max(el.clientWidth, 240), height }, latestData.current, el);
    plot.current = u;
    const resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== u.width) u.setSize({ width, height });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    const u = plot.current;
    if (u && u.data !== data) u.setData(data);
  }, [data]);

  // The chart is drawn for the eye; its figure carries a summary and a data table for everyone else.
  return <div ref={container} className="dash-plot" aria-hidden="true" />;
}
