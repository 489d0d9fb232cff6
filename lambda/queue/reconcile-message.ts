import { createHash } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ReconcileRequest } from '../reconcile/summary.js';

/**
 * A reconcile that ran out of time continues through the mirror queue: its message body is
 * the same `{"reconcile": {...}}` the Lambda accepts, with `continue` naming what is left.
 */
export function encodeReconcileMessage(request: ReconcileRequest): string {
  return JSON.stringify({ reconcile: request });
}

/** The `reconcile` member of a queue message that carries one, else undefined (a mirror job). */
export function reconcileInMessage(body: string): unknown {
  if (!body.startsWith('{"reconcile"')) return undefined;
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    return 'reconcile' in json ? (json.reconcile ?? {}) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SQS refuses a message over the queue's MaximumMessageSize: 256 KiB by default before SQS took
 * 1 MiB in 2025, and still on queues made with the old default. A follow-up stays under it.
 */
export const MAX_CONTINUATION_BYTES = 250 * 1024;

/**
 * Splits a follow-up whose `continue` list would not fit in one message into several, each
 * under `maxBytes` encoded, in order; each carries the rest of the request unchanged.
 */
export function splitContinuation(request: ReconcileRequest, maxBytes = MAX_CONTINUATION_BYTES): ReconcileRequest[] {
  const names = request.continue ?? [];
  const overhead = Buffer.byteLength(encodeReconcileMessage({ ...request, continue: [] }));
  const parts: ReconcileRequest[] = [];
  let part: string[] = [];
  let bytes = overhead;
  for (const name of names) {
    // The name as JSON (its quotes included), and a comma after the one before it.
    const quoted = Buffer.byteLength(JSON.stringify(name));
    if (part.length > 0 && bytes + 1 + quoted > maxBytes) {
      parts.push({ ...request, continue: part });
      part = [];
      bytes = overhead;
    }
    bytes += (part.length > 0 ? 1 : 0) + quoted;
    part.push(name);
  }
  if (part.length > 0 || parts.length === 0) parts.push({ ...request, continue: part });
  return parts;
}

/** Queues the follow-up, in as many messages as its `continue` list needs. */
export async function sendReconcileContinuation(sqs: SQSClient, queueUrl: string, request: ReconcileRequest): Promise<void> {
  for (const part of splitContinuation(request)) {
    const body = encodeReconcileMessage(part);
    const id = `reconcile-continue-${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        ...(queueUrl.endsWith('.fifo') ? { MessageGroupId: id, MessageDeduplicationId: id } : {}),
      }),
    );
  }
}
