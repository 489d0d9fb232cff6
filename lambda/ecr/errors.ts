import { MirrorError, type FailureClass } from '../errors.js';

/** Codes of the ECR failures we name ourselves; any other failure carries the AWS error name. */
export const EcrErrorCode = {
  baseRepositoryMissing: 'ECR_BASE_REPOSITORY_MISSING',
  accessDenied: 'ECR_ACCESS_DENIED',
  credentialsRejected: 'ECR_CREDENTIALS_REJECTED',
  invalidAuthorizationToken: 'ECR_INVALID_AUTHORIZATION_TOKEN',
} as const;

/** A failed call to the ECR API, naming the operation so operators can map it to an IAM action. */
export class EcrError extends MirrorError {
  /** The ECR API operation, e.g. `CreateRepository`; its IAM action is `ecr:<operation>`. */
  readonly operation: string;

  constructor(message: string, options: { code: string; failureClass: FailureClass; operation: string; cause?: unknown }) {
    super(message, options);
    this.operation = options.operation;
  }
}

/** The base repository is the template for every repository we create; only an operator can create it. */
export function baseRepositoryMissing(baseRepository: string, operation: string, cause?: unknown): EcrError {
  return new EcrError(
    `The base ECR repository "${baseRepository}" does not exist, so new repositories cannot copy its settings and policies. ` +
      'Create it (the deployment\'s Terraform stack defines it: run `terraform apply`) and retry.',
    { code: EcrErrorCode.baseRepositoryMissing, failureClass: 'permanent', operation, cause },
  );
}

export function accessDenied(operation: string, resource: string, detail: string, cause?: unknown): EcrError {
  return new EcrError(
    `ECR denied ecr:${operation} on ${resource}: ${detail}. Grant the mirror's role the IAM action "ecr:${operation}" on that resource.`,
    { code: EcrErrorCode.accessDenied, failureClass: 'permanent', operation, cause },
  );
}
