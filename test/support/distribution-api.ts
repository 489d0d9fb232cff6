// Thin wrappers over single distribution API calls, shared by the image helpers. Each
// takes already-resolved auth headers so a multi-step push fetches its token once.
import { createHash } from 'node:crypto';
import { authHeaders, type Headers, type RegistryAuth } from './image-auth.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Starts an upload session; returns the absolute upload URL from `Location`. */
export async function startUpload(registryUrl: string, repo: string, headers: Headers): Promise<URL> {
  const res = await fetch(new URL(`/v2/${repo}/blobs/uploads/`, registryUrl), { method: 'POST', headers });
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (res.status !== 202 || location === null) throw new Error(`POST upload for ${repo} answered ${res.status}`);
  // Distribution 2.8 answers an absolute URL built from the request's Host; others may answer a relative one.
  return new URL(location, registryUrl);
}

/** Monolithic upload: POST opens an upload session, PUT sends all bytes with the digest. */
export async function uploadBlob(registryUrl: string, repo: string, bytes: Uint8Array, headers: Headers): Promise<string> {
  const digest = sha256Digest(bytes);
  const upload = await startUpload(registryUrl, repo, headers);
  upload.searchParams.set('digest', digest);
  const res = await fetch(upload, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`PUT blob ${digest} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  return digest;
}

export async function putManifest(
  registryUrl: string, repo: string, reference: string, bytes: Uint8Array, mediaType: string, headers: Headers,
): Promise<string> {
  const res = await fetch(new URL(`/v2/${repo}/manifests/${reference}`, registryUrl), {
    method: 'PUT',
    headers: { ...headers, 'content-type': mediaType },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${reference} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  const digest = sha256Digest(bytes);
  const reported = res.headers.get('docker-content-digest');
  if (reported !== null && reported !== digest) throw new Error(`registry reported digest ${reported}, expected ${digest}`);
  return digest;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  /** The response Content-Type. */
  mediaType: string;
  /** The registry's Docker-Content-Digest header. */
  digest: string | null;
}

export async function fetchManifest(registryUrl: string, repo: string, ref: string, auth?: RegistryAuth): Promise<FetchedManifest> {
  const headers = await authHeaders(registryUrl, repo, auth);
  const res = await fetch(new URL(`/v2/${repo}/manifests/${ref}`, registryUrl), { headers: { ...headers, accept: MANIFEST_ACCEPT } });
  if (res.status !== 200) throw new Error(`GET manifest ${repo}:${ref} answered ${res.status}: ${await res.text()}`);
  return {
    bytes: new Uint8Array(await res.arrayBuffer()),
    mediaType: res.headers.get('content-type') ?? '',
    digest: res.headers.get('docker-content-digest'),
  };
}

export async function fetchBlob(registryUrl: string, repo: string, digest: string, auth?: RegistryAuth): Promise<Uint8Array> {
  const headers = await authHeaders(registryUrl, repo, auth);
  const res = await fetch(new URL(`/v2/${repo}/blobs/${digest}`, registryUrl), { headers });
  if (res.status !== 200) throw new Error(`GET blob ${repo}@${digest} answered ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function blobExists(registryUrl: string, repo: string, digest: string, auth?: RegistryAuth): Promise<boolean> {
  return exists(registryUrl, `/v2/${repo}/blobs/${digest}`, repo, auth);
}

export async function manifestExists(registryUrl: string, repo: string, ref: string, auth?: RegistryAuth): Promise<boolean> {
  return exists(registryUrl, `/v2/${repo}/manifests/${ref}`, repo, auth, { accept: MANIFEST_ACCEPT });
}

async function exists(registryUrl: string, path: string, repo: string, auth?: RegistryAuth, extra: Headers = {}): Promise<boolean> {
  const headers = await authHeaders(registryUrl, repo, auth);
  const res = await fetch(new URL(path, registryUrl), { method: 'HEAD', headers: { ...headers, ...extra } });
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new Error(`HEAD ${path} answered ${res.status}`);
}

/** Every tag of `repo` and the digest each names, read with the distribution API (unpaged, as distribution 2.8 answers). */
export async function listImages(registryUrl: string, repo: string, auth?: RegistryAuth): Promise<Array<{ imageTag: string; imageDigest: string }>> {
  const headers = await authHeaders(registryUrl, repo, auth);
  const res = await fetch(new URL(`/v2/${repo}/tags/list`, registryUrl), { headers });
  if (res.status === 404) {
    await res.body?.cancel();
    return [];
  }
  if (res.status !== 200) throw new Error(`GET tags of ${repo} answered ${res.status}`);
  const { tags } = (await res.json()) as { tags: string[] | null };
  const images: Array<{ imageTag: string; imageDigest: string }> = [];
  for (const tag of tags ?? []) {
    const head = await fetch(new URL(`/v2/${repo}/manifests/${tag}`, registryUrl), { method: 'HEAD', headers: { ...headers, accept: MANIFEST_ACCEPT } });
    const digest = head.headers.get('docker-content-digest');
    if (head.status === 200 && digest) images.push({ imageTag: tag, imageDigest: digest });
  }
  return images;
}
