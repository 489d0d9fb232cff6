/**
 * One image to mirror: what the intake enqueues and the worker executes.
 * It carries everything the worker needs, so the worker never re-reads the webhook.
 */
export interface MirrorJob {
  /** Source image, `host/repository:tag` optionally with `@sha256:…` pinning the digest. */
  readonly source: string;
  /** Destination repository without registry host, e.g. `root-mirror/library/nginx`. */
  readonly destinationRepository: string;
  readonly destinationTag: string;
  /**
   * `os/arch[/variant]` Root said it remediated (the event's `arch`), for the logs. It never
   * narrows the copy: a tag naming a multi-arch index is mirrored as that whole index, or one
   * event per architecture would leave the tag naming whichever platform came last.
   */
  readonly platform?: string;
  /** The digest Root announced, when it did; also pinned in `source`. */
  readonly digest?: string;
  readonly webhookId: string;
  readonly eventId: string;
  /** How often a copy stopped for the Lambda deadline was queued again to carry on. */
  readonly resumes?: number;
}
