export interface BodyLimits {
  /** Bytes accepted by single-object routes, including one item. */
  item: number;
  /** Bytes accepted by the batch route. */
  batch: number;
}

/** 1 MiB for one item leaves room for long transcripts; 16 MiB for a batch of up to 1,000. */
export const DEFAULT_BODY_LIMITS: BodyLimits = { item: 1024 * 1024, batch: 16 * 1024 * 1024 };
