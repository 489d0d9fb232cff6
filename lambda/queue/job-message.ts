import { MirrorError } from '../errors.js';
import type { MirrorJob } from '../mirror/job.js';
import { parsePlatform } from '../registry/platform.js';
import { isValidDigest, isValidRepository, isValidTag, parseReference } from '../registry/reference.js';

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
  const source = text('source')!;
  const destinationRepository = text('destinationRepository')!;
  const destinationTag = text('destinationTag')!;
  const platform = text('platform', true);
  const digest = text('digest', true);
  // Every name is checked again: whoever can write to the queue is not trusted with paths.
  try {
    parseReference(source);
    if (platform) parsePlatform(platform);
  } catch (error) {
    throw new InvalidJobMessageError(error instanceof Error ? error.message : String(error));
  }
  if (!isValidRepository(destinationRepository)) throw new InvalidJobMessageError(`destination repository "${destinationRepository}" is not valid`);
  if (!isValidTag(destinationTag)) throw new InvalidJobMessageError(`destination tag "${destinationTag}" is not valid`);
  if (digest && !isValidDigest(digest)) throw new InvalidJobMessageError(`digest "${digest}" is not valid`);
  const resumes = m.resumes;
  if (resumes !== undefined && (typeof resumes !== 'number' || !Number.isSafeInteger(resumes) || resumes < 0)) {
    throw new InvalidJobMessageError('"resumes" is not a count');
  }
  return {
    source,
    destinationRepository,
    destinationTag,
    ...(platform ? { platform } : {}),
    ...(digest ? { digest } : {}),
    webhookId: text('webhookId')!,
    eventId: text('eventId')!,
    ...(resumes ? { resumes } : {}),
  };
}
