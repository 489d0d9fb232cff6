/**
 * Deliveries of one job before it is given up: the worker dead-letters it itself on
 * the last one (with its reason), and the queue's redrive policy uses the same number
 * as a backstop, so the two cannot disagree.
 */
export const MAX_DELIVERIES = 8;

/**
 * Times a copy stopped for the Lambda deadline is queued again to carry on (each time
 * with a fresh delivery count): about five hours of copying at the longest timeout.
 */
export const MAX_RESUMES = 20;
