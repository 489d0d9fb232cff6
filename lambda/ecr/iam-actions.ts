/**
 * Every IAM action lambda/ecr needs: one per ECR API operation it calls (a test keeps
 * this list equal to the command constructions in this folder). TagResource is needed twice
 * over: for the marker flip, and because CreateRepository with tags authorizes it too.
 */
export const ECR_IAM_ACTIONS = [
  'ecr:CreateRepository',
  'ecr:DescribeRepositories',
  'ecr:GetAuthorizationToken',
  'ecr:GetLifecyclePolicy',
  'ecr:GetRepositoryPolicy',
  'ecr:ListTagsForResource',
  'ecr:PutLifecyclePolicy',
  'ecr:SetRepositoryPolicy',
  'ecr:TagResource',
] as const;
