// ECR CreateRepository's repositoryName: length 2-256 and this pattern. Stricter than OCI: a
// single `.`, `_` or `-` between runs, so `a__b` and `a--b` are valid OCI names that ECR refuses.
// Imports nothing: infra/variables.ts puts the same pattern into Terraform's validation.
const ECR_COMPONENT = '[a-z0-9]+(?:[._-][a-z0-9]+)*';
/** RE2 (Terraform's `regex`) and JavaScript alike, without backslashes, so it survives HCL escaping. */
export const ECR_REPOSITORY_PATTERN = `^(?:${ECR_COMPONENT}/)*${ECR_COMPONENT}$`;
const ECR_REPOSITORY_RE = new RegExp(ECR_REPOSITORY_PATTERN);
export const ECR_REPOSITORY_MIN_LENGTH = 2;
export const ECR_REPOSITORY_MAX_LENGTH = 256;

/** Why `name` cannot be an ECR repository name, or undefined when it can. */
export function ecrRepositoryNameProblem(name: string): string | undefined {
  if (name.length < ECR_REPOSITORY_MIN_LENGTH) return `is shorter than ${ECR_REPOSITORY_MIN_LENGTH} characters`;
  if (name.length > ECR_REPOSITORY_MAX_LENGTH) {
    return `is ${name.length} characters long, more than ECR's ${ECR_REPOSITORY_MAX_LENGTH}`;
  }
  if (!ECR_REPOSITORY_RE.test(name)) {
    return 'is not an ECR repository name: lower-case [a-z0-9] runs joined by single . _ or -, separated by single /';
  }
  return undefined;
}

export function isValidEcrRepositoryName(name: string): boolean {
  return ecrRepositoryNameProblem(name) === undefined;
}
