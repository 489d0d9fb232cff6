import { MirrorError } from '../errors.js';

/** A parsed image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Host with optional port, e.g. `cr.root.io`, `127.0.0.1:5000`, `docker.io`. */
  readonly registry: string;
  /** Repository path, e.g. `library/python`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// OCI distribution-spec grammar.
const PATH_COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const REPOSITORY_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST_RE = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?$`);
/** Docker's limit on the length of `registry/repository`. */
const MAX_NAME_LENGTH = 255;

export const DOCKER_HUB = 'docker.io';

export class InvalidReferenceError extends MirrorError {
  constructor(message: string) {
    super(message, { code: 'INVALID_REFERENCE', failureClass: 'permanent' });
  }
}

export function isValidRepository(repository: string): boolean {
  return repository.length <= MAX_NAME_LENGTH && REPOSITORY_RE.test(repository);
}

export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return DIGEST_RE.test(digest);
}

/** The grammar, plus what a URL needs: a port of at most 65535 and an IP address that parses. */
export function isValidRegistryHost(host: string): boolean {
  if (!HOST_RE.test(host)) return false;
  const port = /:(\d+)$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']')) : host)?.[1];
  if (port !== undefined && Number(port) > 65535) return false;
  try {
    return new URL(`https://${host}/`).host !== '';
  } catch {
    return false;
  }
}

export interface ParseOptions {
  /**
   * Expand short Docker Hub names (`python:3` → `docker.io/library/python:3`),
   * as `docker pull` does. Without it a registry host is required.
   */
  readonly dockerHubDefaults?: boolean;
}

/** Parses `host[:port]/path[:tag][@sha256:<hex>]`, naming the part that is wrong when it fails. */
export function parseReference(input: string, options: ParseOptions = {}): ImageReference {
  const text = input.trim();
  if (text === '') throw new InvalidReferenceError('image reference is empty');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isValidDigest(digest)) {
      throw new InvalidReferenceError(`invalid digest "${digest}" in "${input}": expected sha256:<64 lowercase hex>`);
    }
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!isValidTag(tag)) {
      throw new InvalidReferenceError(
        `invalid tag "${tag}" in "${input}": a tag is 1-128 characters of [A-Za-z0-9_.-], not starting with . or -`,
      );
    }
  }

  const { registry, repository } = splitRegistry(rest, input, options);
  if (!isValidRegistryHost(registry)) {
    throw new InvalidReferenceError(`invalid registry host "${registry}" in "${input}"`);
  }
  if (!isValidRepository(repository)) {
    throw new InvalidReferenceError(
      `invalid repository "${repository}" in "${input}": lower-case components of [a-z0-9] joined by . _ __ or -, separated by /`,
    );
  }
  if (`${registry}/${repository}`.length > MAX_NAME_LENGTH) {
    throw new InvalidReferenceError(`image name in "${input}" is longer than ${MAX_NAME_LENGTH} characters`);
  }
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

function splitRegistry(name: string, input: string, options: ParseOptions): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? name : name.slice(0, slash);
  const looksLikeHost = first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
  if (slash >= 0 && looksLikeHost) {
    return { registry: first, repository: name.slice(slash + 1) };
  }
  // `127.0.0.1:5002` or `localhost` alone is a registry without a repository, not a Docker Hub name.
  if (slash < 0 && looksLikeHost) {
    throw new InvalidReferenceError(`"${input}" names a registry host but no repository: write it as host[:port]/repository[:tag]`);
  }
  if (!options.dockerHubDefaults) {
    throw new InvalidReferenceError(`"${input}" names no registry host: write it as host[:port]/repository[:tag]`);
  }
  const repository = slash < 0 ? `library/${name}` : name;
  return { registry: DOCKER_HUB, repository };
}

/** The reference as text; the digest wins over the tag for what it names, but both are kept. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What to ask the registry for: the pinned digest when there is one, else the tag, else `latest`. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}
