import type { ErrorCode, ForeignErrorCode } from '../error-codes.js';
import { MirrorError, type FailureClass } from '../errors.js';

/** A failed call to the ECR API (codes ECR_* in error-codes.ts, else the AWS error name), naming the operation so operators can map it to an IAM action. */
export class EcrError extends MirrorError {
  /** The ECR API operation, e.g. `CreateRepository`; its IAM action is `ecr:<operation>`. */
  readonly operation: string;

  constructor(message: string, options: { code: ErrorCode | ForeignErrorCode; failureClass: FailureClass; operation: string; cause?: unknown }) {
    super(message, options);
    this.operation = options.operation;
  }
}

/** The base repository is the template for every repository we create; only an operator can create it. */
export function baseRepositoryMissing(baseRepository: string, operation: string, cause?: unknown): EcrError {
  return new EcrError(
    `The base ECR repository "${baseRepository}" does not exist, so new repositories cannot copy its settings and policies. ` +
      'Create it (the deployment\'s Terraform stack defines it: run `terraform apply`) and retry.',
    { code: 'ECR_BASE_REPOSITORY_MISSING', failureClass: 'permanent', operation, cause },
  );
}

export function accessDenied(operation: string, resource: string, detail: string, cause?: unknown): EcrError {
  return new EcrError(
    `ECR denied ecr:${operation} on ${resource}: ${detail}. Grant the mirror's role the IAM action "ecr:${operation}" on that resource.`,
    { code: 'ECR_ACCESS_DENIED', failureClass: 'permanent', operation, cause },
  );
}
