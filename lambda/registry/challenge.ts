/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** Lower-cased scheme: `basic` or `bearer` (or whatever the server sent). */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses `Bearer realm="https://auth",service="reg",scope="repository:a:pull"`.
 * Quoted values may hold commas and escaped quotes; parameter names are case-insensitive.
 */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1]!.toLowerCase();
  const params: Record<string, string> = {};
  const paramRe = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  let m: RegExpExecArray | null;
  while ((m = paramRe.exec(rest)) !== null && m[0] !== '') {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme, params };
}
