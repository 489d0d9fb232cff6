import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from './errors.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import { MEDIA_TYPES } from './media-types.js';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const DIGEST = d(9);

const ociImage = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d(1), size: 10 },
  layers: [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d(2), size: 20 },
    { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: d(3), size: 30 },
  ],
};

describe('parseManifest', () => {
  it('lists config and distributable layers of an image', () => {
    const m = parseManifest(bytes(ociImage), DIGEST, undefined);
    expect(m.kind).toBe('image');
    expect(m.mediaType).toBe(MEDIA_TYPES.ociManifest);
    expect(m.blobs.map((b) => b.digest)).toEqual([d(1), d(2)]);
    expect(m.config?.digest).toBe(d(1));
  });

  it('lists the children of an index with their platforms', () => {
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.dockerManifestList,
      manifests: [
        { mediaType: MEDIA_TYPES.dockerManifest, digest: d(4), size: 5, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    };
    const m = parseManifest(bytes(index), DIGEST, MEDIA_TYPES.dockerManifestList);
    expect(m.kind).toBe('index');
    expect(m.manifests[0]?.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  });

  it('takes the media type from the header or the shape when the document omits it', () => {
    const { mediaType: _omit, ...bare } = ociImage;
    expect(parseManifest(bytes(bare), DIGEST, `${MEDIA_TYPES.ociManifest}; charset=utf-8`).mediaType).toBe(MEDIA_TYPES.ociManifest);
    expect(parseManifest(bytes({ schemaVersion: 2, manifests: [] }), DIGEST, 'application/json').mediaType).toBe(MEDIA_TYPES.ociIndex);
  });

  it('copies artifact manifests with artifactType and subject', () => {
    const artifact = {
      ...ociImage,
      artifactType: 'application/vnd.example.sbom',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: d(5), size: 2 },
      subject: { mediaType: MEDIA_TYPES.ociManifest, digest: d(6), size: 100 },
    };
    expect(parseManifest(bytes(artifact), DIGEST, undefined).blobs.map((b) => b.digest)).toEqual([d(5), d(2)]);
  });

  it('refuses Docker schema 1 with a clear reason', () => {
    const schema1 = { schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] };
    expect(() => parseManifest(bytes(schema1), DIGEST, MEDIA_TYPES.dockerSchema1Signed)).toThrow(/schema 1, deprecated/);
  });

  it('refuses manifests over 4 MiB', () => {
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
    expect(() => parseManifest(huge, DIGEST, undefined)).toThrow(/over the 4194304-byte limit/);
  });

  it.each([
    ['not JSON', Buffer.from('{')],
    ['an array', bytes([])],
    ['an unknown media type', bytes({ schemaVersion: 2, mediaType: 'text/plain' })],
    ['a bad digest', bytes({ ...ociImage, layers: [{ mediaType: 'x', digest: 'sha256:zz', size: 1 }] })],
    ['a negative size', bytes({ ...ociImage, layers: [{ mediaType: 'x', digest: d(2), size: -1 }] })],
    ['no config', bytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, layers: [] })],
  ])('refuses %s', (_name, input) => {
    expect(() => parseManifest(input, DIGEST, undefined)).toThrow(InvalidManifestError);
  });

  it('throws only InvalidManifestError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        try {
          parseManifest(Buffer.from(json), DIGEST, undefined);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidManifestError);
        }
      }),
    );
  });
});
