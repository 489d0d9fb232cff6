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

export async function sendReconcileContinuation(sqs: SQSClient, queueUrl: string, request: ReconcileRequest): Promise<void> {
  const body = encodeReconcileMessage(request);
  const id = `reconcile-continue-${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      ...(queueUrl.endsWith('.fifo') ? { MessageGroupId: id, MessageDeduplicationId: id } : {}),
    }),
  );
}
