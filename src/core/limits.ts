/** Most items one batch request may carry: bounded so one transaction stays short. */
export const MAX_BATCH_ITEMS = 1000;
