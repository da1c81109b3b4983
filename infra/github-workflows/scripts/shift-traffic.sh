#!/usr/bin/env bash
# Moves ALB listener weight from the blue to the green target group in the given percentage steps, baking
# each step and failing (so the workflow rolls back) as soon as green has an unhealthy target.
set -euo pipefail
: "${LISTENER_ARN:?}" "${BLUE_TG_ARN:?}" "${GREEN_TG_ARN:?}"
BAKE_SECONDS="${BAKE_SECONDS:-300}"
for green in "$@"; do
  blue=$((100 - green))
  aws elbv2 modify-listener --listener-arn "$LISTENER_ARN" --default-actions \
    "Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=$BLUE_TG_ARN,Weight=$blue},{TargetGroupArn=$GREEN_TG_ARN,Weight=$green}]}"
  echo "green at ${green}%, baking ${BAKE_SECONDS}s"
  sleep "$BAKE_SECONDS"
  unhealthy=$(aws elbv2 describe-target-health --target-group-arn "$GREEN_TG_ARN" \
    --query "length(TargetHealthDescriptions[?TargetHealth.State!='healthy'])" --output text)
  if [ "$unhealthy" != "0" ]; then
    echo "green has ${unhealthy} unhealthy targets at ${green}%" >&2
    exit 1
  fi
done
