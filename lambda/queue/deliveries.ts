/**
 * Deliveries of one job before it is given up: the worker dead-letters it itself on
 * the last one (with its reason), and the queue's redrive policy uses the same number
 * as a backstop, so the two cannot disagree.
 */
export const MAX_DELIVERIES = 8;
