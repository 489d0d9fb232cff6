/**
 * Every registry quirk the client handles: what the registry does, which registries do it, the
 * public issue or document it comes from, and where and how the code copes. Code handling one
 * names it in a comment (`quirk <id>`); test/registry/quirks.test.ts proves each through the
 * fault proxy and checks that this list, those comments and its tests agree.
 */
export interface RegistryQuirk {
  /** What the registry does that the spec does not lead one to expect. */
  readonly what: string;
  readonly registries: string;
  /** Public issues or documents, first the one that describes it best. */
  readonly sources: readonly string[];
  /** What the client does about it. */
  readonly handling: string;
  /** The file whose code handles it, from the repository root. */
  readonly handledIn: string;
}

export const QUIRKS = {
  patchAnswered201: {
    what: 'answers a blob PATCH with 201 Created where the distribution spec says 202 Accepted',
    registries: 'Amazon ECR',
    sources: ['https://github.com/regclient/regclient/blob/main/scheme/reg/blob.go'],
    handling: 'a PATCH is accepted with 201, 202 or 204',
    handledIn: 'lambda/registry/client.ts',
  },
  patchChunksDropped: {
    what: 'is reported to drop the PATCH chunks of an upload after the first',
    registries: 'Amazon ECR',
    sources: ['https://github.com/aws/containers-roadmap/issues/2831'],
    handling: 'each blob goes in one streamed PATCH carrying all its bytes, then an empty PUT commits it',
    handledIn: 'lambda/registry/client.ts',
  },
  headWithoutDigest: {
    what: 'answers a manifest HEAD without Docker-Content-Digest (the OCI spec makes it a SHOULD)',
    registries: 'registry.redhat.io, registries served from a static S3 bucket, some Nexus set-ups',
    sources: ['https://github.com/regclient/regclient/pull/363', 'https://github.com/distribution/distribution/pull/2384'],
    handling: 'the manifest is fetched within the same attempt and its digest computed from the bytes',
    handledIn: 'lambda/registry/client.ts',
  },
  tokenAsAccessToken: {
    what: 'returns the Bearer token under `access_token` only (the OAuth 2.0 name) instead of `token`',
    registries: 'token servers built on OAuth 2.0 libraries',
    sources: ['https://distribution.github.io/distribution/spec/auth/token/'],
    handling: '`token` is used when present, else `access_token`',
    handledIn: 'lambda/registry/auth.ts',
  },
  mediaTypeParametersRefused: {
    what: 'refuses a manifest whose media type carries parameters (`; charset=utf-8`), which other registries send',
    registries: 'Amazon ECR (refusing); any source registry (sending)',
    sources: ['https://github.com/aws/containers-roadmap/issues/2306'],
    handling: 'manifests are pushed with the bare media type',
    handledIn: 'lambda/registry/media-types.ts',
  },
  immutableTagRefusesSameDigest: {
    what: 'refuses a push to an immutable tag even when it already holds the identical digest',
    registries: 'Amazon ECR',
    sources: ['https://github.com/aws/containers-roadmap/issues/2380', 'https://github.com/aws/containers-roadmap/issues/2179'],
    handling: 'the destination tag is read first; the same digest there is success without a push',
    handledIn: 'lambda/registry/copy.ts',
  },
  blobRedirectRefusesAuthorization: {
    what: 'redirects blob GETs to pre-signed S3/CloudFront URLs, which refuse a request that also carries Authorization (400, "Only one auth mechanism allowed")',
    registries: 'Amazon ECR, Docker Hub and other registries on object storage',
    sources: ['https://github.com/open-policy-agent/opa/issues/6580', 'https://github.com/renovatebot/renovate/issues/3877'],
    handling: 'redirects are followed by hand and Authorization is sent to the registry origin only',
    handledIn: 'lambda/registry/session.ts',
  },
} as const satisfies Record<string, RegistryQuirk>;

export type QuirkId = keyof typeof QUIRKS;
