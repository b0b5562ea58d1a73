import type uPlot from 'uplot';

export type ChartName = 'captured' | 'decisions' | 'throughput' | 'backlog' | 'agreement' | 'quality';

export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** A table of what a chart draws, for people who cannot see the chart. */
export interface DataTable {
  columns: string[];
  rows: string[][];
}

/** Everything the page needs to show one chart: what it draws, and what it says in words. */
export interface ChartSpec {
  name: ChartName;
  title: string;
  /** One or two sentences under the chart: what it shows and how to read it. */
  caption: string;
  /** The chart's gist in words, its accessible name. */
  summary: string;
  /** Nothing to draw in the range. */
  empty: boolean;
  options: ChartOptions;
  data: uPlot.AlignedData;
  table: DataTable;
}
