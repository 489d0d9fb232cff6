import { MirrorError } from '../errors.js';
import { parseReference, type ImageReference } from '../registry/reference.js';
import { isAllowed, type AllowedRepos } from '../webhook/allowed-repos.js';
import type { MirrorJob } from './job.js';

/** What a job is checked against: the worker's own configuration, never the message's word. */
export interface JobRules {
  readonly rootRegistryHost: string;
  /** The base repository: a job writes exactly to `<dstRepo>/<source repository>`. */
  readonly dstRepo: string;
  readonly allowedRepos: AllowedRepos;
}

/** A job no one could have queued honestly: it goes to the dead-letter queue for a person to look at. */
export class JobRejectedError extends MirrorError {
  constructor(why: string) {
    super(`refusing the job: ${why}`, { code: 'JOB_REJECTED', failureClass: 'permanent' });
  }
}

/**
 * A job for a repository ALLOWED_REPOS no longer lists (it was queued before the change):
 * nothing is wrong with it, so it is dropped with an INFO line rather than dead-lettered.
 */
export class JobNotAllowedError extends MirrorError {
  /** `repository:tag`, as ALLOWED_REPOS entries may name tags too (`python:3.12-*`). */
  constructor(readonly repository: string) {
    super(`${repository} is not in ALLOWED_REPOS (any more): the job is dropped`, { code: 'JOB_NOT_ALLOWED', failureClass: 'permanent' });
  }
}

/**
 * The queue is trusted no more than the webhook was: whoever could put a message on it,
 * a job pulls from Root's registry, writes to exactly `<DST_REPO>/<source repository>`
 * under the source's own tag, and only for a repository ALLOWED_REPOS still lists.
 */
export function checkJob(job: MirrorJob, rules: JobRules): ImageReference {
  const source = parseReference(job.source);
  if (source.registry !== rules.rootRegistryHost) {
    throw new JobRejectedError(`its source ${source.registry} is not ROOT_REGISTRY_HOST (${rules.rootRegistryHost})`);
  }
  const expected = `${rules.dstRepo}/${source.repository}`;
  if (job.destinationRepository !== expected) {
    throw new JobRejectedError(
      `its destination "${job.destinationRepository}" is not a repository below DST_REPO (${rules.dstRepo}): the image ${source.repository} goes to ${expected} only`,
    );
  }
  if (source.tag === undefined || job.destinationTag !== source.tag) {
    throw new JobRejectedError(`its destination tag "${job.destinationTag}" is not the source's tag ${source.tag === undefined ? '(none)' : `"${source.tag}"`}`);
  }
  if (job.digest !== undefined && source.digest !== undefined && job.digest !== source.digest) {
    throw new JobRejectedError(`its digest ${job.digest} is not the one its source pins (${source.digest})`);
  }
  if (!isAllowed(rules.allowedRepos, source.repository, source.tag)) throw new JobNotAllowedError(`${source.repository}:${source.tag}`);
  return source;
}
