/**
 * Where escalated work goes: a hold whose timeout escalates it, and (later) tasks a reviewer
 * escalates. Only roles that may work expert tasks are served from it.
 */
export const EXPERT_QUEUE = 'expert';
