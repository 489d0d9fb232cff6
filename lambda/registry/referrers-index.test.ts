import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidManifestError } from './errors.js';
import { parseManifest } from './manifest.js';
import {
  cosignTags, mergeReferrers, parseReferrersList, referrerFacts, referrersTag, serializeReferrersList, type ReferrerDescriptor,
} from './referrers-index.js';
import { sha256Digest } from './verify-stream.js';

const hex = (c: string) => c.repeat(64);

describe('referrersTag', () => {
  it('follows the distribution spec\'s examples', () => {
    expect(referrersTag(`sha256:${hex('a')}`)).toBe(`sha256-${hex('a')}`);
    expect(referrersTag(`sha512:${hex('a')}${hex('a')}`)).toBe(`sha512-${hex('a')}`);
    expect(
      referrersTag(
        'test+algorithm+using+algorithm+separators+and+lots+of+characters+to+excercise+overall+truncation:' +
          'alsoSome=InTheEncodedSectionToShowHyphenReplacementAndLotsAndLotsOfCharactersToExcerciseEncodedTruncation',
      ),
    ).toBe('test-algorithm-using-algorithm-s-alsoSome-InTheEncodedSectionToShowHyphenReplacementAndLotsAndLot');
  });

  it('names cosign\'s three attachment tags', () => {
    expect(cosignTags(`sha256:${hex('b')}`)).toEqual([`sha256-${hex('b')}.sig`, `sha256-${hex('b')}.att`, `sha256-${hex('b')}.sbom`]);
  });
});

const descriptorArb = fc.record({
  digest: fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => `sha256:${h}`),
  size: fc.nat(),
  note: fc.string(),
}).map(({ digest, size, note }): ReferrerDescriptor => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size,
  fields: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, annotations: { note } },
}));

describe('mergeReferrers', () => {
  it('never drops or reorders an entry, never lists a digest twice, and adds every new digest', () => {
    fc.assert(
      fc.property(fc.uniqueArray(descriptorArb, { selector: (d) => d.digest }), fc.array(descriptorArb), (existing, additions) => {
        const { referrers, added } = mergeReferrers(existing, additions);
        expect(referrers.slice(0, existing.length)).toEqual(existing);
        const digests = referrers.map((d) => d.digest);
        expect(new Set(digests).size).toBe(digests.length);
        for (const d of additions) expect(digests).toContain(d.digest);
        expect(added).toBe(referrers.length - existing.length);
      }),
    );
  });

  it('keeps an existing entry as it was written when the same digest comes again', () => {
    const [first] = fc.sample(descriptorArb, 1);
    const again = { ...first!, fields: { ...first!.fields, annotations: { note: 'rewritten' } } };
    expect(mergeReferrers([first!], [again])).toEqual({ referrers: [first], added: 0 });
  });
});

describe('parseReferrersList and serializeReferrersList', () => {
  it('round-trip every entry field for field, and keep the document\'s other fields', () => {
    fc.assert(
      fc.property(fc.uniqueArray(descriptorArb, { selector: (d) => d.digest }), (referrers) => {
        const bytes = serializeReferrersList(referrers, { annotations: { 'org.example': 'kept' } });
        const list = parseReferrersList(bytes, 'test');
        expect(list.referrers.map((d) => d.fields)).toEqual(referrers.map((d) => d.fields));
        expect(list.document).toMatchObject({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', annotations: { 'org.example': 'kept' } });
      }),
    );
  });

  it('refuses a list whose entries are not descriptors', () => {
    expect(() => parseReferrersList(Buffer.from('{"manifests":[{"digest":"sha256:nope"}]}'), 'list')).toThrow(InvalidManifestError);
    expect(() => parseReferrersList(Buffer.from('[]'), 'list')).toThrow(/not a JSON object/);
    expect(() => parseReferrersList(Buffer.from('{"manifests":{}}'), 'list')).toThrow(/not a list/);
  });

  it('never throws anything but InvalidManifestError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          parseReferrersList(Buffer.from(text), 'list');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidManifestError);
        }
      }),
    );
  });
});

describe('referrerFacts', () => {
  const manifest = (doc: Record<string, unknown>) => {
    const bytes = Buffer.from(JSON.stringify(doc));
    return parseManifest(bytes, sha256Digest(bytes), undefined);
  };
  const config = { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${hex('c')}`, size: 2 };
  const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${hex('d')}`, size: 10 };

  it('takes the artifactType and annotations, and the subject', () => {
    const m = manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/spdx+json', config, layers: [], subject, annotations: { a: 'b' } });
    expect(referrerFacts(m)).toEqual({
      subject: subject.digest,
      descriptor: {
        mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, artifactType: 'application/spdx+json',
        fields: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, artifactType: 'application/spdx+json', annotations: { a: 'b' } },
      },
    });
  });

  it('falls back to the config media type without an artifactType, and leaves out empty annotations', () => {
    const m = manifest({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...config, mediaType: 'application/vnd.example.sig' }, layers: [], annotations: {} });
    expect(referrerFacts(m).descriptor.fields).toEqual({ mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, artifactType: 'application/vnd.example.sig' });
    expect(referrerFacts(m).subject).toBeUndefined();
  });
});
