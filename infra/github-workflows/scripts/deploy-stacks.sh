#!/usr/bin/env bash
# Deploys the foundation and EKS stacks of $ENVIRONMENT in dependency order, tagging them with the commit.
set -euo pipefail
: "${ENVIRONMENT:?}" "${IAC_VERSION:?}"
deploy() {
  local name="$1" template="$2"
  shift 2
  aws cloudformation deploy \
    --stack-name "infra-agent-${ENVIRONMENT}-${name}" \
    --template-file "infra/cloudformation/${template}" \
    --capabilities CAPABILITY_NAMED_IAM \
    --no-fail-on-empty-changeset \
    --parameter-overrides "Environment=${ENVIRONMENT}" "IaCVersion=${IAC_VERSION}" "$@" \
    --tags "Environment=${ENVIRONMENT}" "IaC_Version=${IAC_VERSION}"
}
deploy vpc 00-foundation/vpc.yaml
deploy security-groups 00-foundation/security-groups.yaml
deploy iam 00-foundation/iam-roles.yaml "WorkerRoleArn=${WORKER_ROLE_ARN:?}"
deploy eks-cluster 03-eks/cluster.yaml
deploy eks-node-groups 03-eks/node-groups.yaml
deploy eks-addons 03-eks/addons.yaml
