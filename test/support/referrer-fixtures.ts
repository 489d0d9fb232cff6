// Test referrers, pushed with plain fetch as the tools that make them do: cosign-style
// attachments under `sha256-<hex>.sig|.att|.sbom` tags, and OCI artifacts with a `subject`,
// recorded (where the registry has no referrers API) in the referrers tag schema's index.
import { randomBytes } from 'node:crypto';
import { sha256Digest } from './distribution-api.js';
import { pushBlob, pushManifest, type RegistryAuth } from './images.js';
import { authHeaders } from './image-auth.js';

export interface Subject {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PushedReferrer extends Subject {
  bytes: Buffer;
  /** The tag it was pushed under, for a cosign attachment. */
  tag?: string;
  artifactType?: string;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export type CosignKind = 'sig' | 'att' | 'sbom';

const COSIGN_LAYERS: Record<CosignKind, { mediaType: string; annotations: (digest: string) => Record<string, string> }> = {
  sig: {
    mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    annotations: () => ({ 'dev.cosignproject.cosign/signature': randomBytes(64).toString('base64') }),
  },
  att: { mediaType: 'application/vnd.dsse.envelope.v1+json', annotations: () => ({ predicateType: 'https://openvex.dev/ns/v0.2.0' }) },
  sbom: { mediaType: 'application/spdx+json', annotations: () => ({}) },
};

export function tagFor(digest: string): string {
  return digest.replace(':', '-');
}

/** A cosign-style attachment of `subject` under `sha256-<hex>.<kind>`: an image manifest with one payload layer. */
export async function pushCosignAttachment(
  registryUrl: string, repo: string, subject: string, kind: CosignKind, auth?: RegistryAuth,
): Promise<PushedReferrer> {
  const layer = COSIGN_LAYERS[kind];
  const payload = Buffer.from(
    JSON.stringify(
      kind === 'sig'
        ? { critical: { identity: { 'docker-reference': repo }, image: { 'docker-manifest-digest': subject }, type: 'cosign container image signature' }, optional: null }
        : { payloadType: 'application/vnd.in-toto+json', payload: randomBytes(48).toString('base64'), signatures: [] },
    ),
  );
  const payloadDigest = await pushBlob(registryUrl, repo, payload, auth);
  const config = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [payloadDigest] }, config: {} }));
  const configDigest = await pushBlob(registryUrl, repo, config, auth);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', size: config.length, digest: configDigest },
      layers: [{ mediaType: layer.mediaType, size: payload.length, digest: payloadDigest, annotations: layer.annotations(subject) }],
    }),
  );
  const tag = `${tagFor(subject)}.${kind}`;
  const digest = await pushManifest(registryUrl, repo, tag, bytes, OCI_MANIFEST, auth);
  return { mediaType: OCI_MANIFEST, digest, size: bytes.length, bytes, tag };
}

export interface ArtifactOptions {
  annotations?: Record<string, string>;
  /** Record it in the subject's referrers tag schema index, as a client must on a registry without the API (default true). */
  tagSchema?: boolean;
  auth?: RegistryAuth;
}

/** An OCI 1.1 artifact referring to `subject`: empty config, one layer, `artifactType`, pushed by digest. */
export async function pushArtifact(
  registryUrl: string, repo: string, subject: Subject, artifactType: string, content: Buffer, options: ArtifactOptions = {},
): Promise<PushedReferrer> {
  const empty = Buffer.from('{}');
  const auth = options.auth;
  const [emptyDigest, contentDigest] = [await pushBlob(registryUrl, repo, empty, auth), await pushBlob(registryUrl, repo, content, auth)];
  const annotations = { 'org.opencontainers.image.created': new Date(0).toISOString(), ...options.annotations };
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: empty.length },
      layers: [{ mediaType: artifactType, digest: contentDigest, size: content.length }],
      subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
      annotations,
    }),
  );
  const digest = await pushManifest(registryUrl, repo, sha256Digest(bytes), bytes, OCI_MANIFEST, auth);
  const pushed = { mediaType: OCI_MANIFEST, digest, size: bytes.length, bytes, artifactType };
  if (options.tagSchema ?? true) {
    await addToReferrersIndex(registryUrl, repo, subject.digest, { mediaType: OCI_MANIFEST, digest, size: bytes.length, artifactType, annotations }, auth);
  }
  return pushed;
}

/** Appends a descriptor to the index under the subject's referrers tag, creating it when absent. */
export async function addToReferrersIndex(
  registryUrl: string, repo: string, subject: string, descriptor: Record<string, unknown>, auth?: RegistryAuth,
): Promise<string> {
  const current = await fetchReferrersIndex(registryUrl, repo, subject, auth);
  const manifests = [...((current?.manifests as unknown[] | undefined) ?? []), descriptor];
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }));
  return pushManifest(registryUrl, repo, tagFor(subject), bytes, OCI_INDEX, auth);
}

/** The index under the referrers tag schema for `subject`, or undefined when the tag does not exist. */
export async function fetchReferrersIndex(
  registryUrl: string, repo: string, subject: string, auth?: RegistryAuth,
): Promise<Record<string, unknown> | undefined> {
  const headers = { ...(await authHeaders(registryUrl, repo, auth)), accept: OCI_INDEX };
  const res = await fetch(new URL(`/v2/${repo}/manifests/${tagFor(subject)}`, registryUrl), { headers });
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  if (res.status !== 200) throw new Error(`GET referrers tag of ${subject} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

export function listedDigests(index: Record<string, unknown> | undefined): string[] {
  return ((index?.manifests as { digest: string }[] | undefined) ?? []).map((d) => d.digest);
}
