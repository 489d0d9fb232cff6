import type { MirrorJob } from '../mirror/job.js';
import {
  formatReference,
  InvalidReferenceError,
  isValidDigest,
  isValidRegistryHost,
  isValidRepository,
  isValidTag,
  parseReference,
  type ImageReference,
} from '../registry/reference.js';
import type { CloudEvent } from './cloudevent.js';
import { ecrRepositoryNameProblem } from '../ecr/repository-name.js';
import { badRequest, jsonKind, quote } from './errors.js';

/** The one event type Root sends today: a new Root Remediated Tag exists. */
export const ROOT_IMAGE_CREATED = 'io.root.cr.image.created.v1';

export interface RootEventContext {
  readonly webhookId: string;
  /** The only registry we pull from, because the Root API key is sent to it. */
  readonly rootRegistryHost: string;
  /** The ECR base repository; images land in `${dstRepo}/${image_repo}`. */
  readonly dstRepo: string;
}

export type RootEventOutcome =
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'mirror'; readonly job: MirrorJob; readonly imageRepo: string };

// An architecture with an optional variant, e.g. `amd64`, `arm64/v8`, `arm/v7`.
const ARCH_RE = /^[a-z0-9]+(?:\/[a-z0-9]+)?$/;

/**
 * Turns a Root event into the mirror job it asks for. Other event types are ignored; a Root
 * event we cannot act on safely is a 400 WebhookRejectedError; a bad context is a plain Error.
 */
export function toMirrorJob(event: CloudEvent, ctx: RootEventContext): RootEventOutcome {
  if (event.type !== ROOT_IMAGE_CREATED) return { kind: 'ignored', reason: 'unhandled event type' };
  checkContext(ctx);
  const data = event.data;
  if (data === undefined) throw badRequest('data is missing');

  const imageRepo = requiredString(data, 'image_repo');
  if (!isValidRepository(imageRepo)) {
    throw badRequest(
      `data.image_repo ${quote(imageRepo)} is not a repository name: lower-case components of [a-z0-9] joined by . _ __ or -, separated by /`,
    );
  }
  const destinationRepository = `${ctx.dstRepo}/${imageRepo}`;
  const destinationProblem = ecrRepositoryNameProblem(destinationRepository);
  if (destinationProblem !== undefined) {
    throw badRequest(`destination repository ${quote(destinationRepository)} ${destinationProblem}`);
  }

  const imageTag = requiredString(data, 'image_tag');
  if (!isValidTag(imageTag)) {
    throw badRequest(`data.image_tag ${quote(imageTag)} is not a tag: 1-128 characters of [A-Za-z0-9_.-], not starting with . or -`);
  }
  const announcedDigest = optionalString(data, 'image_digest');
  if (announcedDigest !== undefined && !isValidDigest(announcedDigest)) {
    throw badRequest(`data.image_digest ${quote(announcedDigest)} is not sha256:<64 lowercase hex>`);
  }
  const arch = optionalString(data, 'arch');
  if (arch !== undefined && !ARCH_RE.test(arch)) {
    throw badRequest(`data.arch ${quote(arch)} is not an architecture such as amd64, arm64/v8 or arm/v7`);
  }

  const subject = event.subject === undefined ? undefined : subjectReference(event.subject, ctx.rootRegistryHost);
  const digest = reconcileSubject(subject, imageRepo, imageTag, announcedDigest);
  const source = sourceReference({
    registry: ctx.rootRegistryHost,
    repository: imageRepo,
    tag: imageTag,
    ...(digest === undefined ? {} : { digest }),
  });

  const job: MirrorJob = {
    source,
    destinationRepository,
    destinationTag: imageTag,
    ...(arch === undefined ? {} : { platform: `linux/${arch}` }),
    ...(digest === undefined ? {} : { digest }),
    webhookId: ctx.webhookId,
    eventId: event.id,
  };
  return { kind: 'mirror', job, imageRepo };
}

// Configuration the caller loaded: a fault there is ours to fix, not the sender's, so no 400.
function checkContext(ctx: RootEventContext): void {
  if (!isValidRegistryHost(ctx.rootRegistryHost)) {
    throw new Error(`rootRegistryHost ${quote(ctx.rootRegistryHost)} is not a registry host`);
  }
  const problem = ecrRepositoryNameProblem(ctx.dstRepo);
  if (problem !== undefined) throw new Error(`dstRepo ${quote(ctx.dstRepo)} ${problem}`);
}

function subjectReference(subject: string, rootRegistryHost: string): ImageReference {
  let reference: ImageReference;
  try {
    reference = parseReference(subject);
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error;
    throw badRequest(`subject ${quote(subject)} is not an image reference: ${error.message}`, error);
  }
  // The pull carries the Root API key, so the subject may only ever point at Root's registry.
  if (reference.registry !== rootRegistryHost) {
    throw badRequest(`subject ${quote(subject)} names registry ${quote(reference.registry)}, not ${quote(rootRegistryHost)}`);
  }
  return reference;
}

/** Checks the subject says what data says, and returns the digest to pin, if any. */
function reconcileSubject(
  subject: ImageReference | undefined,
  imageRepo: string,
  imageTag: string,
  announcedDigest: string | undefined,
): string | undefined {
  if (subject === undefined) return announcedDigest;
  if (subject.repository !== imageRepo) {
    throw badRequest(`subject repository ${quote(subject.repository)} differs from data.image_repo ${quote(imageRepo)}`);
  }
  if (subject.tag !== undefined && subject.tag !== imageTag) {
    throw badRequest(`subject tag ${quote(subject.tag)} differs from data.image_tag ${quote(imageTag)}`);
  }
  if (subject.digest !== undefined && announcedDigest !== undefined && subject.digest !== announcedDigest) {
    throw badRequest(`subject digest ${quote(subject.digest)} differs from data.image_digest ${quote(announcedDigest)}`);
  }
  return announcedDigest ?? subject.digest;
}

// Round-trips through the shared parser so the worker can never fail to read what we enqueue.
function sourceReference(reference: ImageReference): string {
  const text = formatReference(reference);
  try {
    parseReference(text);
  } catch (error) {
    if (!(error instanceof InvalidReferenceError)) throw error;
    throw badRequest(`source image ${quote(text)} is not a valid reference: ${error.message}`, error);
  }
  return text;
}

function requiredString(data: Readonly<Record<string, unknown>>, name: string): string {
  const value = data[name];
  if (value === undefined || value === null) throw badRequest(`data.${name} is missing`);
  if (typeof value !== 'string') throw badRequest(`data.${name} must be a string, got ${jsonKind(value)}`);
  if (value === '') throw badRequest(`data.${name} is empty`);
  return value;
}

// For Root, an empty string means "not given", the same as an absent field.
function optionalString(data: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = data[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`data.${name} must be a string, got ${jsonKind(value)}`);
  return value;
}
