// A loopback AWS Secrets Manager (JSON 1.1) for tests that drive the real
// SecretsManagerClient; it counts reads per secret so tests can assert caching.
import { randomBytes, randomUUID } from 'node:crypto';
import { epochSeconds, requireString, ServiceError, startJsonRpcServer, type JsonRpcServer, type Params } from './json-rpc-server.js';

export interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: Buffer;
  readonly createdAt: number;
  stages: string[];
}

export interface SecretState {
  readonly name: string;
  readonly arn: string;
  readonly versions: SecretVersion[];
}

export interface SecretsStandInOptions {
  accountId?: string;
  region?: string;
  now?: () => number;
}

export interface SecretsStandIn extends JsonRpcServer {
  readonly secrets: Map<string, SecretState>;
  /** Creates a secret (or a new current version of it) and returns its ARN. */
  seedSecret(name: string, value: string | Buffer): string;
  /** The current value of a secret, by name or ARN. */
  currentValue(nameOrArn: string): string | Buffer | undefined;
  /** How many GetSecretValue calls named this secret (by name or ARN), failed ones included. */
  getSecretValueCount(nameOrArn: string): number;
}

export async function startSecretsStandIn(options: SecretsStandInOptions = {}): Promise<SecretsStandIn> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'eu-west-1';
  const now = options.now ?? Date.now;
  const secrets = new Map<string, SecretState>();

  // A secret is found by name, by full ARN, or by ARN without the random suffix.
  const find = (id: string): SecretState | undefined =>
    secrets.get(id) ?? [...secrets.values()].find((s) => s.arn === id || s.arn.slice(0, -7) === id);
  const secret = (params: Params): SecretState => {
    const found = find(requireString(params, 'SecretId', 'InvalidParameterException'));
    if (!found) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return found;
  };

  const addVersion = (s: SecretState, value: string | Buffer, versionId: string = randomUUID()): SecretVersion => {
    for (const version of s.versions) {
      if (version.stages.includes('AWSCURRENT')) version.stages = ['AWSPREVIOUS'];
      else version.stages = version.stages.filter((stage) => stage !== 'AWSPREVIOUS');
    }
    const version: SecretVersion = {
      versionId,
      ...(typeof value === 'string' ? { secretString: value } : { secretBinary: value }),
      createdAt: now(),
      stages: ['AWSCURRENT'],
    };
    s.versions.push(version);
    return version;
  };

  const seedSecret = (name: string, value: string | Buffer): string => {
    let s = secrets.get(name);
    if (!s) {
      const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
      s = { name, arn: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`, versions: [] };
      secrets.set(name, s);
    }
    addVersion(s, value);
    return s.arn;
  };

  const handlers: Record<string, (params: Params) => unknown> = {
    GetSecretValue(params) {
      const s = secret(params);
      const stage = (params.VersionStage as string | undefined) ?? (params.VersionId ? undefined : 'AWSCURRENT');
      const version = s.versions.find((v) => (params.VersionId === undefined || v.versionId === params.VersionId) && (stage === undefined || v.stages.includes(stage)));
      if (!version) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version.");
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: version.versionId,
        ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
        ...(version.secretBinary !== undefined ? { SecretBinary: version.secretBinary.toString('base64') } : {}),
        VersionStages: version.stages,
        CreatedDate: epochSeconds(version.createdAt),
      };
    },
    PutSecretValue(params) {
      const s = secret(params);
      const token = params.ClientRequestToken as string | undefined;
      const value = typeof params.SecretString === 'string' ? params.SecretString : typeof params.SecretBinary === 'string' ? Buffer.from(params.SecretBinary, 'base64') : undefined;
      if (value === undefined) throw new ServiceError('InvalidRequestException', 'You must provide either SecretString or SecretBinary.');
      // A retried request (same token, same value) is idempotent; reusing a token for another value is refused.
      const previous = token === undefined ? undefined : s.versions.find((v) => v.versionId === token);
      if (previous && !sameValue(previous.secretString ?? previous.secretBinary, value)) {
        throw new ServiceError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
      }
      const version = previous ?? addVersion(s, value, token);
      return { ARN: s.arn, Name: s.name, VersionId: version.versionId, VersionStages: version.stages };
    },
  };

  const server = await startJsonRpcServer({
    targetPrefix: 'secretsmanager',
    jsonVersion: '1.1',
    handle(op, params) {
      const handler = handlers[op];
      if (!handler) throw new ServiceError('UnknownOperationException', `the Secrets Manager stand-in does not implement ${op}`);
      return handler(params);
    },
    errorAnswer: (error) => ({ body: { __type: error.type, Message: error.message } }),
  });

  const currentValue = (nameOrArn: string): string | Buffer | undefined => {
    const current = find(nameOrArn)?.versions.find((v) => v.stages.includes('AWSCURRENT'));
    return current?.secretString ?? current?.secretBinary;
  };

  const getSecretValueCount = (nameOrArn: string): number => {
    const target = find(nameOrArn);
    return server.callsTo('GetSecretValue').filter((call) => {
      const id = call.params.SecretId;
      return typeof id === 'string' && (target ? find(id) === target : id === nameOrArn);
    }).length;
  };

  return { ...server, secrets, seedSecret, currentValue, getSecretValueCount };
}

function sameValue(a: string | Buffer | undefined, b: string | Buffer): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a !== undefined && a.equals(b);
}
