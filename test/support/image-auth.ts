// The image helpers' own minimal auth, deliberately independent of lambda/registry so a
// bug in the client under test cannot hide itself by also breaking the test setup.

export interface RegistryAuth {
  username: string;
  password: string;
}

export type Headers = Record<string, string>;

/**
 * Works out the Authorization header for `repo` on any of the harness's registries:
 * none, Basic, or Bearer (fetching a pull+push token, with Basic creds when given).
 */
export async function authHeaders(registryUrl: string, repo: string, auth?: RegistryAuth): Promise<Headers> {
  const probe = await fetch(new URL('/v2/', registryUrl));
  await probe.body?.cancel();
  if (probe.status === 200) return {};
  const challenge = probe.headers.get('www-authenticate') ?? '';
  if (probe.status !== 401) throw new Error(`GET /v2/ answered ${probe.status}`);
  const basic = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : undefined;
  if (/^basic/i.test(challenge)) {
    if (!basic) throw new Error('registry wants Basic auth but no credentials were given');
    return basic;
  }
  if (!/^bearer/i.test(challenge)) throw new Error(`unsupported challenge: ${challenge}`);

  const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  if (!params.realm) throw new Error(`Bearer challenge without realm: ${challenge}`);
  const tokenUrl = new URL(params.realm);
  if (params.service) tokenUrl.searchParams.set('service', params.service);
  tokenUrl.searchParams.set('scope', `repository:${repo}:pull,push`);
  const res = await fetch(tokenUrl, { headers: basic ?? {} });
  if (!res.ok) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error('token response without a token');
  return { authorization: `Bearer ${token}` };
}
