/**
 * Every error code the project names itself. Operators meet them as the DLQ's `failure_code`,
 * the `code` of log lines and the CLI's `--json` output; the README's troubleshooting table
 * explains each (a test keeps the two in step). Codes named by someone else (a registry's
 * `errors[].code`, `HTTP_<status>`, an AWS error name) are `ForeignErrorCode`s.
 *
 * `failureClass` is the class the code is raised with; `varies` when the raiser decides.
 */
export const ERROR_CODES = {
  // The job and the worker.
  ABORTED: { failureClass: 'transient', meaning: 'the copy was stopped before it finished (the Lambda deadline, Ctrl-C); it carries on at its next delivery' },
  JOB_MESSAGE_INVALID: { failureClass: 'permanent', meaning: 'a queue message is not a mirror job' },
  JOB_REJECTED: { failureClass: 'permanent', meaning: "a job's source is not ROOT_REGISTRY_HOST, or its destination is not exactly DST_REPO/<source repository> under the source's tag" },
  JOB_NOT_ALLOWED: { failureClass: 'permanent', meaning: 'a queued job for a repository ALLOWED_REPOS no longer lists: dropped with an INFO line, not dead-lettered' },
  UNEXPECTED: { failureClass: 'transient', meaning: 'a failure the code did not expect (a bug, or a library failing in a new way); retried' },
  // The webhook intake (logged with the refusal; the caller sees only a vague message).
  WEBHOOK_INVALID: { failureClass: 'permanent', meaning: 'a webhook body that is not a CloudEvent from Root we can read (400)' },
  WEBHOOK_UNAUTHORIZED: { failureClass: 'permanent', meaning: 'a webhook whose signature or timestamp did not verify (401)' },
  WEBHOOK_TOO_LARGE: { failureClass: 'permanent', meaning: 'a webhook body over the size limit (413)' },
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: { failureClass: 'permanent', meaning: 'a webhook that is not JSON (415)' },
  // Configuration and secrets.
  CONFIG_INVALID: { failureClass: 'permanent', meaning: 'the environment is invalid; the message names each variable' },
  SECRET_UNAVAILABLE: { failureClass: 'transient', meaning: 'Secrets Manager could not be read' },
  DOCKER_CONFIG_INVALID: { failureClass: 'permanent', meaning: "the CLI's Docker config file is not valid JSON" },
  // Root's registry.
  ROOT_CREDENTIALS_REJECTED: { failureClass: 'permanent', meaning: "Root's registry refused the Root API key (401), or none is configured" },
  ROOT_ACCESS_DENIED: { failureClass: 'permanent', meaning: 'the Root API key may not pull this image (403)' },
  // Any registry.
  NETWORK: { failureClass: 'transient', meaning: 'the connection failed or timed out before the registry answered' },
  REGISTRY_TOO_SLOW: { failureClass: 'transient', meaning: 'a registry (named) took longer than 60 s for a small request, or sent a blob slower than 64 KiB/s over 60 s' },
  REDIRECT_TARGET_REFUSED: { failureClass: 'transient', meaning: 'the storage a registry redirected a download to (S3, a CDN) refused it, e.g. an expired link; a fresh one is asked for' },
  PROTOCOL: { failureClass: 'varies', meaning: 'a registry answer breaks the protocol: a malformed token, Location or realm, too many redirects, an unsupported auth scheme' },
  DIGEST_MISMATCH: { failureClass: 'permanent', meaning: 'bytes did not hash to their digest, twice for a blob (once may be damage in transit)' },
  SIZE_MISMATCH: { failureClass: 'permanent', meaning: 'a blob or manifest was longer or shorter than its descriptor said' },
  MANIFEST_INVALID: { failureClass: 'permanent', meaning: 'a manifest we will not copy: malformed, over 4 MiB, Docker schema 1, unknown type' },
  MANIFEST_TREE_LIMIT: { failureClass: 'permanent', meaning: 'an image nests indexes more than 2 deep, or holds more than 1,000 distinct manifests or 64 MiB of them' },
  INVALID_REFERENCE: { failureClass: 'permanent', meaning: 'an image reference, repository, tag or digest is not valid' },
  INVALID_PLATFORM: { failureClass: 'permanent', meaning: 'a platform is not os/arch[/variant]' },
  PLATFORM_NOT_FOUND: { failureClass: 'permanent', meaning: 'the source image has no manifest for the platform asked for' },
  // Amazon ECR's API.
  ECR_BASE_REPOSITORY_MISSING: { failureClass: 'permanent', meaning: 'the base repository (DST_REPO), the template of every new repository, does not exist' },
  ECR_ACCESS_DENIED: { failureClass: 'permanent', meaning: "the function's role lacks an ECR permission; the message names the IAM action" },
  ECR_CREDENTIALS_REJECTED: { failureClass: 'permanent', meaning: "ECR does not recognise the function's AWS credentials" },
  ECR_INVALID_AUTHORIZATION_TOKEN: { failureClass: 'transient', meaning: 'GetAuthorizationToken returned no usable token' },
  ECR_MALFORMED_RESPONSE: { failureClass: 'transient', meaning: 'an ECR answer lacked a field it always has' },
  // Referrers: each fails one referrer, reported in the summary and logged; the image is still mirrored.
  REFERRER_LIMIT: { failureClass: 'permanent', meaning: 'an image has more than 500 referrers; the rest were not copied' },
  COSIGN_TAG_DIVERGED: { failureClass: 'permanent', meaning: "the destination's cosign tag holds signatures the source's lacks; it was left as it is" },
  REFERRERS_TAG_NOT_INDEX: { failureClass: 'permanent', meaning: "the destination's referrers tag (sha256-<hex>) names something other than an index; the referrers were copied but not listed" },
  // The reconcile (its summary's `error` and `errors[].code`).
  RECONCILE_REQUEST_INVALID: { failureClass: 'permanent', meaning: 'a reconcile event is not {"reconcile": {...}} with valid repos entries; the message names the field' },
  ROOT_UNREACHABLE: { failureClass: 'transient', meaning: "Root's registry could not be reached, so no repository was reconciled" },
  NOT_ALLOWED: { failureClass: 'permanent', meaning: 'a repository handed to a reconcile follow-up that allowed_repos no longer allows; skipped' },
  ECR_REPOSITORY_NAME_INVALID: { failureClass: 'permanent', meaning: "Root's repository name below DST_REPO is not a valid ECR repository name; not mirrored" },
  QUEUE_SEND_FAILED: { failureClass: 'transient', meaning: 'a planned tag could not be queued as a mirror job' },
  RECONCILE_INCOMPLETE: { failureClass: 'transient', meaning: 'repositories were left unchecked at the invocation deadline and no follow-up could be queued' },
} as const satisfies Record<string, { readonly failureClass: 'transient' | 'permanent' | 'varies'; readonly meaning: string }>;

/** A code from the catalogue above. */
export type ErrorCode = keyof typeof ERROR_CODES;

declare const foreign: unique symbol;
/** A code named by someone else: a registry's `errors[].code`, `HTTP_<status>`, an AWS error name. */
export type ForeignErrorCode = string & { readonly [foreign]: true };

/** Marks a code as someone else's, so it may stand where a catalogued code is expected. */
export function foreignCode(code: string): ForeignErrorCode {
  return code as ForeignErrorCode;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
