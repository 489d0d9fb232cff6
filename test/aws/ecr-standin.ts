// A loopback Amazon ECR control plane (JSON 1.1) holding repositories, their settings,
// policies and tags, with scripted faults, for tests that drive the real ECRClient.
import {
  epochSeconds,
  requireString,
  ServiceError,
  startJsonRpcServer,
  type JsonRpcServer,
  type Params,
} from './json-rpc-server.js';

export interface EcrRepositoryState {
  repositoryName: string;
  repositoryArn: string;
  registryId: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: string;
  imageTagMutabilityExclusionFilters?: Array<{ filterType: string; filter: string }>;
  imageScanningConfiguration: { scanOnPush: boolean };
  encryptionConfiguration: { encryptionType: string; kmsKey?: string };
  policyText?: string;
  lifecyclePolicyText?: string;
  tags: Record<string, string>;
  /** Tag to manifest digest, for ListImages when no `imagesOf` is given. */
  images: Record<string, string>;
}

export type EcrRepositorySeed = Partial<Omit<EcrRepositoryState, 'repositoryName' | 'repositoryArn' | 'registryId' | 'repositoryUri'>>;

/** One tagged image as ListImages names it. */
export interface EcrImageId {
  imageTag: string;
  imageDigest: string;
}

export interface EcrStandInOptions {
  accountId?: string;
  region?: string;
  /** What GetAuthorizationToken names as the registry, e.g. a loopback test registry URL. */
  proxyEndpoint?: string;
  /** The password of the n-th token (1-based); distinct per token by default. */
  password?: (n: number) => string;
  tokenTtlSeconds?: number;
  /** The stand-in's clock (epoch ms), for token expiry. */
  now?: () => number;
  /**
   * What ListImages lists for an existing repository, e.g. read from the registry behind
   * `proxyEndpoint` so the API and the registry agree; by default the repository's `images`.
   */
  imagesOf?: (repository: string) => Promise<EcrImageId[]>;
  /** The largest page ListImages and DescribeRepositories answer, whatever maxResults asks (ECR: 1000). */
  maxPage?: number;
  /**
   * The caller's identity policy (Allow statements, e.g. the function role's from infra/iam.ts):
   * each call is authorized as IAM does, against the ARNs it acts on, and refused with
   * AccessDeniedException otherwise. A DescribeRepositories naming no repository acts on
   * `repository/*`. Without it every call is allowed.
   */
  identityPolicy?: readonly AllowStatement[];
}

export interface AllowStatement {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface EcrStandIn extends JsonRpcServer {
  readonly accountId: string;
  readonly region: string;
  readonly proxyEndpoint: string;
  readonly repositories: Map<string, EcrRepositoryState>;
  seedRepository(name: string, seed?: EcrRepositorySeed): EcrRepositoryState;
  arnOf(name: string): string;
}

// ECR's documented repository name grammar.
const NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export async function startEcrStandIn(options: EcrStandInOptions = {}): Promise<EcrStandIn> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'eu-west-1';
  const proxyEndpoint = options.proxyEndpoint ?? `https://${accountId}.dkr.ecr.${region}.amazonaws.com`;
  const now = options.now ?? Date.now;
  const repositories = new Map<string, EcrRepositoryState>();
  const maxPage = options.maxPage ?? 1000;
  let tokensIssued = 0;

  const arnOf = (name: string): string => `arn:aws:ecr:${region}:${accountId}:repository/${name}`;
  const missing = (name: string): ServiceError =>
    new ServiceError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${accountId}'`);

  const seedRepository = (name: string, seed: EcrRepositorySeed = {}): EcrRepositoryState => {
    if (!NAME.test(name) || name.length < 2 || name.length > 256) {
      throw new ServiceError('InvalidParameterException', `Invalid parameter at 'repositoryName' failed to satisfy constraint: '${name}'`);
    }
    const state: EcrRepositoryState = {
      createdAt: now(),
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' },
      tags: {},
      images: {},
      ...seed,
      repositoryName: name,
      repositoryArn: arnOf(name),
      registryId: accountId,
      repositoryUri: `${accountId}.dkr.ecr.${region}.amazonaws.com/${name}`,
    };
    repositories.set(name, state);
    return state;
  };

  const repo = (params: Params): EcrRepositoryState => {
    const name = requireString(params, 'repositoryName');
    const found = repositories.get(name);
    if (!found) throw missing(name);
    return found;
  };

  const byArn = (params: Params): EcrRepositoryState => {
    const arn = requireString(params, 'resourceArn');
    const name = arn.startsWith(arnOf('')) ? arn.slice(arnOf('').length) : undefined;
    if (name === undefined) throw new ServiceError('InvalidParameterException', `Invalid parameter at 'resourceArn': ${arn}`);
    const found = repositories.get(name);
    if (!found) throw missing(name);
    return found;
  };

  const describe = (r: EcrRepositoryState): Params => ({
    repositoryArn: r.repositoryArn,
    registryId: r.registryId,
    repositoryName: r.repositoryName,
    repositoryUri: r.repositoryUri,
    createdAt: epochSeconds(r.createdAt),
    imageTagMutability: r.imageTagMutability,
    ...(r.imageTagMutabilityExclusionFilters ? { imageTagMutabilityExclusionFilters: r.imageTagMutabilityExclusionFilters } : {}),
    imageScanningConfiguration: r.imageScanningConfiguration,
    encryptionConfiguration: r.encryptionConfiguration,
  });

  const ids = (r: EcrRepositoryState): Params => ({ registryId: r.registryId, repositoryName: r.repositoryName });

  /** ECR's answer to a Get or Delete of a policy the repository does not have. */
  const noPolicy = (kind: 'Repository' | 'Lifecycle', r: EcrRepositoryState): ServiceError =>
    new ServiceError(`${kind}PolicyNotFoundException`, `${kind} policy does not exist for the repository with name '${r.repositoryName}' in the registry with id '${accountId}'`);

  const handlers: Record<string, (params: Params) => unknown> = {
    CreateRepository(params) {
      const name = requireString(params, 'repositoryName');
      if (repositories.has(name)) {
        throw new ServiceError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists in the registry with id '${accountId}'`);
      }
      const { imageTagMutability, imageTagMutabilityExclusionFilters, imageScanningConfiguration, encryptionConfiguration } = params as EcrRepositorySeed;
      const settings = { imageTagMutability, imageTagMutabilityExclusionFilters, imageScanningConfiguration, encryptionConfiguration };
      const seed = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as EcrRepositorySeed;
      seed.tags = Object.fromEntries(tagList(params.tags).map((t) => [t.Key, t.Value]));
      return { repository: describe(seedRepository(name, seed)) };
    },
    DescribeRepositories(params) {
      const names = params.repositoryNames as string[] | undefined;
      if (names) {
        if (params.maxResults !== undefined) throw new ServiceError('InvalidParameterException', 'maxResults cannot be used with repositoryNames');
        return { repositories: names.map((name) => repositories.get(name) ?? throwError(missing(name))).map(describe) };
      }
      const all = [...repositories.values()].sort((a, b) => a.repositoryName.localeCompare(b.repositoryName));
      const { page, nextToken } = paginate(all, params, maxPage);
      return { repositories: page.map(describe), ...(nextToken ? { nextToken } : {}) };
    },
    async ListImages(params) {
      const r = repo(params);
      const images = options.imagesOf ? await options.imagesOf(r.repositoryName) : Object.entries(r.images).map(([imageTag, imageDigest]) => ({ imageTag, imageDigest }));
      const tagged = (params.filter as { tagStatus?: string } | undefined)?.tagStatus === 'TAGGED';
      const listed = images.filter((image) => !tagged || image.imageTag !== '').sort((a, b) => a.imageTag.localeCompare(b.imageTag));
      const { page, nextToken } = paginate(listed, params, maxPage);
      return { imageIds: page, ...(nextToken ? { nextToken } : {}) };
    },
    GetRepositoryPolicy(params) {
      const r = repo(params);
      if (r.policyText === undefined) throw noPolicy('Repository', r);
      return { ...ids(r), policyText: r.policyText };
    },
    SetRepositoryPolicy(params) {
      const r = repo(params);
      r.policyText = jsonText(params, 'policyText');
      return { ...ids(r), policyText: r.policyText };
    },
    DeleteRepositoryPolicy(params) {
      const r = repo(params);
      const policyText = r.policyText;
      if (policyText === undefined) throw noPolicy('Repository', r);
      delete r.policyText;
      return { ...ids(r), policyText };
    },
    GetLifecyclePolicy(params) {
      const r = repo(params);
      if (r.lifecyclePolicyText === undefined) throw noPolicy('Lifecycle', r);
      return { ...ids(r), lifecyclePolicyText: r.lifecyclePolicyText };
    },
    PutLifecyclePolicy(params) {
      const r = repo(params);
      r.lifecyclePolicyText = jsonText(params, 'lifecyclePolicyText');
      return { ...ids(r), lifecyclePolicyText: r.lifecyclePolicyText };
    },
    DeleteLifecyclePolicy(params) {
      const r = repo(params);
      const lifecyclePolicyText = r.lifecyclePolicyText;
      if (lifecyclePolicyText === undefined) throw noPolicy('Lifecycle', r);
      delete r.lifecyclePolicyText;
      return { ...ids(r), lifecyclePolicyText };
    },
    ListTagsForResource(params) {
      return { tags: Object.entries(byArn(params).tags).map(([Key, Value]) => ({ Key, Value })) };
    },
    TagResource(params) {
      const r = byArn(params);
      for (const { Key, Value } of tagList(params.tags)) r.tags[Key] = Value;
      return {};
    },
    UntagResource(params) {
      const r = byArn(params);
      for (const key of (params.tagKeys as string[] | undefined) ?? []) delete r.tags[key];
      return {};
    },
    GetAuthorizationToken() {
      tokensIssued += 1;
      const password = options.password?.(tokensIssued) ?? `ecr-token-${tokensIssued}`;
      const expiresAt = now() + (options.tokenTtlSeconds ?? 12 * 3600) * 1000;
      return {
        authorizationData: [
          { authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'), expiresAt: epochSeconds(expiresAt), proxyEndpoint },
        ],
      };
    },
  };

  // The ARNs a call acts on, as IAM evaluates them.
  const resourcesOf = (op: string, params: Params): string[] => {
    if (op === 'GetAuthorizationToken') return ['*'];
    if (op === 'DescribeRepositories') {
      const names = params.repositoryNames as string[] | undefined;
      return names ? names.map(arnOf) : [arnOf('*')];
    }
    if (typeof params.resourceArn === 'string') return [params.resourceArn];
    return [arnOf(requireString(params, 'repositoryName'))];
  };
  const authorize = (op: string, params: Params): void => {
    if (!options.identityPolicy) return;
    const action = `ecr:${op}`;
    for (const resource of resourcesOf(op, params)) {
      const allowed = options.identityPolicy.some((s) => s.actions.some((a) => iamMatch(a, action)) && s.resources.some((r) => iamMatch(r, resource)));
      if (!allowed) {
        throw new ServiceError(
          'AccessDeniedException',
          `User: arn:aws:sts::${accountId}:assumed-role/stand-in/function is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
        );
      }
    }
  };

  const server = await startJsonRpcServer({
    targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
    jsonVersion: '1.1',
    handle(op, params) {
      authorize(op, params);
      const handler = handlers[op];
      if (!handler) throw new ServiceError('UnknownOperationException', `the ECR stand-in does not implement ${op}`);
      return handler(params);
    },
    // ECR names the error in `__type`; the SDK takes error.name from it.
    errorAnswer: (error) => ({ body: { __type: error.type, message: error.message } }),
  });

  return { ...server, accountId, region, proxyEndpoint, repositories, seedRepository, arnOf };
}

/** IAM's wildcards: `*` any run of characters (`/` included), `?` one character; the rest literal. */
function iamMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** ECR's paging: `maxResults` (1-1000) per page, an opaque `nextToken` until the last page. */
function paginate<T>(items: T[], params: Params, maxPage: number): { page: T[]; nextToken?: string } {
  const asked = params.maxResults === undefined ? maxPage : Number(params.maxResults);
  if (!Number.isInteger(asked) || asked < 1 || asked > 1000) {
    throw new ServiceError('InvalidParameterException', `maxResults must be from 1 to 1000, not ${String(params.maxResults)}`);
  }
  const size = Math.min(asked, maxPage);
  const token = params.nextToken;
  const start = typeof token === 'string' ? Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new ServiceError('InvalidParameterException', 'Invalid parameter at nextToken');
  const end = start + size;
  return { page: items.slice(start, end), ...(end < items.length ? { nextToken: Buffer.from(`offset:${end}`).toString('base64url') } : {}) };
}

function tagList(value: unknown): Array<{ Key: string; Value: string }> {
  return Array.isArray(value) ? (value as Array<{ Key: string; Value: string }>) : [];
}

function jsonText(params: Params, name: string): string {
  const text = requireString(params, name);
  try {
    JSON.parse(text);
  } catch {
    throw new ServiceError('InvalidParameterException', `Invalid parameter at '${name}': not valid JSON`);
  }
  return text;
}

function throwError(error: Error): never {
  throw error;
}
