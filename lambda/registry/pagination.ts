import { RegistryProtocolError } from './errors.js';

/**
 * The next page of a listing (`/v2/_catalog`, `/v2/<name>/tags/list`): the `Link: <…>; rel="next"`
 * the registry sent, else the same request with `last` set to the page's final entry. Without a
 * Link a short page does not prove the end (registries cap `n` silently), so the listing ends on
 * an empty page, one with nothing new (the caller's check), or one longer than `n` (n ignored).
 */
export function nextPageUrl(
  request: URL,
  link: string | undefined,
  page: readonly string[],
  pageSize: number,
  /** An earlier page of this listing had a Link: then this one's absence is the end. */
  linkSeen = false,
): URL | undefined {
  const linked = nextLink(link);
  if (linked !== undefined) {
    const url = new URL(linked, request);
    // Credentials go with the request: the next page must be the same listing on the same registry.
    if (url.origin !== request.origin || url.pathname !== request.pathname) {
      throw new RegistryProtocolError(`the registry's next-page link ${url.origin}${url.pathname} leaves ${request.origin}${request.pathname}`);
    }
    return url;
  }
  const last = page.at(-1);
  if (linkSeen || last === undefined || page.length > pageSize) return undefined;
  const url = new URL(request);
  url.searchParams.set('n', String(pageSize));
  url.searchParams.set('last', last);
  return url;
}

/** The target of the `rel="next"` link in a Link header (RFC 8288), if any. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!match) continue;
    const params = match[2] ?? '';
    if (/;\s*rel\s*=\s*(?:"(?:[^"]*\s)?next(?:\s[^"]*)?"|next)(?:\s*;|\s*$)/i.test(params)) return match[1];
  }
  return undefined;
}
