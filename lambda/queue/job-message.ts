import { MirrorError } from '../errors.js';
import type { MirrorJob } from '../mirror/job.js';

/** Bumped when the message shape changes, so an old worker refuses a message it would misread. */
const VERSION = 1;

export class InvalidJobMessageError extends MirrorError {
  constructor(reason: string) {
    super(`queue message is not a mirror job: ${reason}`, { code: 'JOB_MESSAGE_INVALID', failureClass: 'permanent' });
  }
}

export function encodeJob(job: MirrorJob): string {
  return JSON.stringify({ version: VERSION, ...job });
}

export function decodeJob(body: string): MirrorJob {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidJobMessageError('not JSON');
  }
  if (json === null || typeof json !== 'object') throw new InvalidJobMessageError('not an object');
  const m = json as Record<string, unknown>;
  if (m.version !== VERSION) throw new InvalidJobMessageError(`unsupported version ${String(m.version)}`);
  const text = (name: string, optional = false): string | undefined => {
    const value = m[name];
    if (value === undefined && optional) return undefined;
    if (typeof value !== 'string' || value === '') throw new InvalidJobMessageError(`"${name}" missing`);
    return value;
  };
  const platform = text('platform', true);
  const digest = text('digest', true);
  return {
    source: text('source')!,
    destinationRepository: text('destinationRepository')!,
    destinationTag: text('destinationTag')!,
    ...(platform ? { platform } : {}),
    ...(digest ? { digest } : {}),
    webhookId: text('webhookId')!,
    eventId: text('eventId')!,
  };
}
