/**
 * The `rel="next"` target of an RFC 8288 (formerly 5988) `Link` header, resolved against the
 * URL of the page that carried it; undefined when there is none. Several links may share one
 * header, separated by commas, and `rel` may list several relation types.
 */
export function nextLink(value: string | undefined, base: URL): URL | undefined {
  if (!value) return undefined;
  for (const link of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params = link[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))/i.exec(params);
    const relations = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!relations.includes('next')) continue;
    try {
      return new URL(link[1] ?? '', base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
