import type { Timeseries } from '../timeseries.js';
import { agreementChart } from './agreement.js';
import { backlogChart } from './backlog.js';
import { capturedChart } from './captured.js';
import { frameOf } from './common.js';
import { decisionsChart } from './decisions.js';
import { qualityChart } from './quality.js';
import type { ChartSpec } from './spec.js';
import { throughputChart } from './throughput.js';

/** The dashboard's charts, in reading order: what came in, what people decided, how fast, how well. */
export function buildCharts(ts: Timeseries): ChartSpec[] {
  const frame = frameOf(ts);
  return [
    capturedChart(ts, frame),
    decisionsChart(ts, frame),
    throughputChart(ts, frame),
    backlogChart(ts, frame),
    agreementChart(ts, frame),
    qualityChart(ts, frame),
  ];
}

export type { ChartName, ChartSpec } from './spec.js';
