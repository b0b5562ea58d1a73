/**
 * One rating as reliability data is usually recorded: which unit, which rater, what value.
 * A `null` value is a missing rating (the rater saw the unit but gave no usable value, or never
 * saw it); methods that allow missing data drop it as they prescribe.
 */
export type RatingValue = string | number | boolean;

export interface Rating {
  unit: string;
  rater: string;
  value: RatingValue | null;
}

/** A closed interval estimate at a stated confidence level (for example 0.95). */
export interface Interval {
  low: number;
  high: number;
  level: number;
}
