import { logger } from '../log.js';
import { countWithDimension } from '../metrics.js';
import type { RegistryRetry } from '../registry/client.js';
import type { MirrorJob } from './job.js';

/**
 * Reports each registry retry of one job: a DEBUG line (host, status, attempt, delay) with the
 * job's identity, and one `RegistryRetries` count per registry, so retries that end in success
 * still show up on the dashboard.
 */
export function reportRetries(job: MirrorJob): (retry: RegistryRetry) => void {
  return (retry) => {
    logger.debug('registry request failed; retrying', {
      webhook_id: job.webhookId,
      event_id: job.eventId,
      image: job.source,
      host: retry.registry,
      ...(retry.status === undefined ? {} : { status: retry.status }),
      code: retry.code,
      attempt: retry.attempt,
      delay_ms: retry.delayMs,
      error: retry.error,
    });
    countWithDimension('RegistryRetries', 'registry', retry.registry);
  };
}
