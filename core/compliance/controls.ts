/** One NIST 800-53 control this project enforces, and how. */
export interface ControlDescription {
  /** Control id as NIST writes it, e.g. `AU-2`. */
  readonly id: string;
  readonly title: string;
  /** How the templates implement the control, in one or two sentences. */
  readonly implementation: string;
  /** Guard rules file (under infra/cfn-guard-rules/nist-800-53/) holding its original rules. */
  readonly rulesFile: string;
  /** Further rules files for the control, one per group of AWS services (same directory). */
  readonly moreRulesFiles?: readonly string[];
}

/** The controls from the seed (phases 1D and 2B), in report order. */
export const CONTROLS: readonly ControlDescription[] = [
  {
    id: 'AU-2',
    title: 'Event Logging',
    implementation:
      'Every VPC has a flow log capturing ALL traffic into CloudWatch Logs; the EKS control plane logs api, audit, authenticator, controllerManager and scheduler. S3 buckets keep server access logs; CloudTrail trails log every region into CloudWatch Logs; load balancers, API Gateway stages and CloudFront distributions keep access logs; RDS/Aurora export their logs; Lambda functions have a dead-letter queue; log groups keep events at least a year.',
    rulesFile: 'au-2-audit-events.guard',
    moreRulesFiles: ['au-2-service-logging.guard'],
  },
  {
    id: 'AU-3',
    title: 'Content of Audit Records',
    implementation:
      'Flow logs declare an explicit LogFormat with account, interface, source and destination addresses and ports, protocol, start/end time, action and log status. CloudTrail validates its log files and includes global service (IAM, STS) events.',
    rulesFile: 'au-3-audit-content.guard',
    moreRulesFiles: ['au-3-trail-integrity.guard'],
  },
  {
    id: 'SC-7',
    title: 'Boundary Protection',
    implementation:
      'Every subnet is associated with a custom network ACL that has explicit deny entries (SSH/RDP from the internet); subnets assign no public IPs; the EKS API endpoint is private only. S3 buckets block public access and grant no public ACL; databases are not publicly accessible; Lambda functions cannot be invoked by anyone, run in a VPC and have reserved concurrency; launch configurations, launch templates and instances assign no public IPs.',
    rulesFile: 'sc-7-boundary-protection.guard',
    moreRulesFiles: ['sc-7-public-exposure.guard'],
  },
  {
    id: 'SC-8',
    title: 'Transmission Confidentiality and Integrity',
    implementation:
      'The only ingress from 0.0.0.0/0 or ::/0 is TCP 443 (TLS) on the ALB security group; everything else comes from named security groups or the VPN range. S3, SNS and SQS policies deny requests without TLS; HTTP listeners only redirect to HTTPS; TLS listeners, API Gateway domains and CloudFront use TLS 1.2 or later; ALBs drop invalid headers; ElastiCache encrypts in transit.',
    rulesFile: 'sc-8-transmission-confidentiality.guard',
    moreRulesFiles: ['sc-8-encryption-in-transit.guard'],
  },
  {
    id: 'AC-2',
    title: 'Account Management',
    implementation:
      'Access is through named IAM roles with explicit trust policies and sessions of at most one hour; no IAM users or access keys; no role is assumable by any principal. The PRD deploy role demands SourceIdentity and an approval-id session tag. Secrets Manager secrets rotate; RDS/Aurora accept IAM database authentication.',
    rulesFile: 'ac-2-account-management.guard',
    moreRulesFiles: ['ac-2-credentials.guard'],
  },
  {
    id: 'AC-6',
    title: 'Least Privilege',
    implementation:
      'No IAM Allow statement (role, user, group or policy) grants a wildcard resource, a wildcard action or a whole service (s3:*); no administrator or *FullAccess managed policy is attached; IAM users get no policies of their own; add-ons that call AWS (vpc-cni, EBS CSI, load balancer controller) use their own IRSA roles; ECS containers run unprivileged, as a non-root user, on a read-only root filesystem; instances require IMDSv2.',
    rulesFile: 'ac-6-least-privilege.guard',
    moreRulesFiles: ['ac-6-workloads.guard'],
  },
  {
    id: 'CM-8',
    title: 'System Component Inventory',
    implementation:
      'Every taggable resource carries all four mandatory tags: Environment, Owner, SecurityLevel and IaC_Version (list tags, map tags and launch template tag specifications).',
    rulesFile: 'cm-8-component-inventory.guard',
  },
  {
    id: 'CM-3',
    title: 'Configuration Change Control',
    implementation:
      'Templates take the deployed git commit as parameter IaCVersion (a SHA, no default) and every IaC_Version tag references it, so each resource names the commit that last changed it. Databases and load balancers have deletion protection, so removing one takes a reviewed change.',
    rulesFile: 'cm-3-configuration-change-control.guard',
    moreRulesFiles: ['cm-3-deletion-protection.guard'],
  },
  {
    id: 'SC-28',
    title: 'Protection of Information at Rest',
    implementation:
      'Kubernetes secrets are encrypted with a customer KMS key; log groups are KMS-encrypted; KMS keys rotate; node, standalone, instance and launch-configuration EBS volumes are encrypted. S3, RDS/Aurora, DynamoDB, EFS, ElastiCache, SNS, SQS, Secrets Manager (customer key), CloudTrail and API Gateway caches are encrypted; S3 keeps versions, RDS keeps backups, DynamoDB keeps point-in-time recovery, ElastiCache keeps snapshots; no secret sits in a container environment variable.',
    rulesFile: 'sc-28-protection-at-rest.guard',
    moreRulesFiles: ['sc-28-data-at-rest.guard'],
  },
];

/** The control a guard rule enforces, read from its name prefix: `AU2_VPC_FLOW_LOGS` -> `AU-2`. */
export function controlOfRule(rule: string): string | undefined {
  const match = /^([A-Z]{2})(\d+)_/.exec(rule);
  return match ? `${match[1]}-${match[2]}` : undefined;
}

/**
 * The AWS Guard Rules Registry rules (its NIST 800-53 rev5 rule set, mappings/rule_set_nist800_53rev5.json) that
 * each of our guard rules covers. Rules missing here have no registry counterpart: the registry does not check
 * flow logs, EKS settings, network ACLs, standalone security group ingress, tags, or the other gaps we close.
 * The `# Registry:` comment above each rule in the .guard files says the same; a test keeps the two equal.
 */
export const REGISTRY_RULES: Readonly<Record<string, readonly string[]>> = {
  AU2_S3_ACCESS_LOGGING: ['S3_BUCKET_LOGGING_ENABLED'],
  AU2_CLOUDTRAIL_MULTI_REGION: ['MULTI_REGION_CLOUD_TRAIL_ENABLED', 'CLOUD_TRAIL_ENABLED'],
  AU2_CLOUDTRAIL_CLOUDWATCH: ['CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED'],
  AU2_ELB_ACCESS_LOGS: ['ELB_LOGGING_ENABLED'],
  AU2_API_GATEWAY_LOGGING: ['API_GW_EXECUTION_LOGGING_ENABLED'],
  AU2_RDS_LOG_EXPORTS: ['RDS_LOGGING_ENABLED'],
  AU2_LOG_GROUP_RETENTION: ['CW_LOGGROUP_RETENTION_PERIOD_CHECK'],
  AU3_CLOUDTRAIL_LOG_VALIDATION: ['CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED'],
  SC7_NO_AUTO_PUBLIC_IPS: ['SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED'],
  SC7_S3_PUBLIC_ACCESS_BLOCK: ['S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED'],
  SC7_S3_NO_PUBLIC_ACL: ['S3_BUCKET_PUBLIC_READ_PROHIBITED', 'S3_BUCKET_PUBLIC_WRITE_PROHIBITED'],
  SC7_RDS_NOT_PUBLIC: ['RDS_INSTANCE_PUBLIC_ACCESS_CHECK'],
  SC7_LAMBDA_NO_PUBLIC_PERMISSION: ['LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED'],
  SC7_LAMBDA_URL_AUTH: ['LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED'],
  SC7_LAMBDA_IN_VPC: ['LAMBDA_INSIDE_VPC'],
  SC7_LAMBDA_CONCURRENCY_LIMIT: ['LAMBDA_CONCURRENCY_CHECK'],
  SC7_LAUNCH_CONFIG_NO_PUBLIC_IP: ['AUTOSCALING_LAUNCH_CONFIG_PUBLIC_IP_DISABLED'],
  SC7_INSTANCE_NO_PUBLIC_IP: ['EC2_INSTANCE_NO_PUBLIC_IP'],
  SC8_PUBLIC_INGRESS_TLS_ONLY: ['RESTRICTED_SSH', 'RESTRICTED_COMMON_PORTS'],
  SC8_PUBLIC_INGRESS_RULES_TLS_ONLY: ['RESTRICTED_SSH', 'RESTRICTED_COMMON_PORTS'],
  SC8_S3_TLS_ONLY: ['S3_BUCKET_SSL_REQUESTS_ONLY'],
  SC8_ELB_HTTPS_LISTENERS: ['ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK', 'ELB_TLS_HTTPS_LISTENERS_ONLY'],
  SC8_ELB_TLS_POLICY: ['ELBV2_ACM_CERTIFICATE_REQUIRED'],
  AC2_SECRETS_ROTATION: ['SECRETSMANAGER_ROTATION_ENABLED_CHECK'],
  AC6_NO_WILDCARD_RESOURCES: ['IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS'],
  AC6_NO_WILDCARD_RESOURCES_IN_POLICIES: ['IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS'],
  AC6_NO_SERVICE_WILDCARD_ACTIONS: ['IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS'],
  AC6_IAM_USER_NO_POLICIES: ['IAM_USER_NO_POLICIES_CHECK'],
  AC6_ECS_NON_ROOT_USER: ['ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK'],
  CM3_RDS_DELETION_PROTECTION: ['RDS_INSTANCE_DELETION_PROTECTION_ENABLED'],
  CM3_ELB_DELETION_PROTECTION: ['ELB_DELETION_PROTECTION_ENABLED'],
  SC28_LOG_GROUPS_ENCRYPTED: ['CLOUDWATCH_LOG_GROUP_ENCRYPTED'],
  SC28_KMS_KEY_ROTATION: ['CMK_BACKING_KEY_ROTATION_ENABLED'],
  SC28_VOLUMES_ENCRYPTED: ['ENCRYPTED_VOLUMES'],
  SC28_NODE_VOLUMES_ENCRYPTED: ['ENCRYPTED_VOLUMES'],
  SC28_S3_ENCRYPTION: ['S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED', 'S3_DEFAULT_ENCRYPTION_KMS'],
  SC28_S3_VERSIONING: ['S3_BUCKET_VERSIONING_ENABLED'],
  SC28_RDS_ENCRYPTION: ['RDS_STORAGE_ENCRYPTED'],
  SC28_RDS_BACKUPS: ['DB_INSTANCE_BACKUP_ENABLED'],
  SC28_DYNAMODB_KMS: ['DYNAMODB_TABLE_ENCRYPTED_KMS'],
  SC28_DYNAMODB_PITR: ['DYNAMODB_PITR_ENABLED'],
  SC28_EFS_ENCRYPTION: ['EFS_ENCRYPTED_CHECK'],
  SC28_SNS_ENCRYPTION: ['SNS_ENCRYPTED_KMS'],
  SC28_SECRETS_CUSTOMER_KEY: ['SECRETSMANAGER_USING_CMK'],
  SC28_CLOUDTRAIL_KMS: ['CLOUD_TRAIL_ENCRYPTION_ENABLED'],
  SC28_API_GATEWAY_CACHE_ENCRYPTED: ['API_GW_CACHE_ENABLED_AND_ENCRYPTED'],
  SC28_LAUNCH_CONFIG_VOLUMES_ENCRYPTED: ['ENCRYPTED_VOLUMES'],
  SC28_INSTANCE_VOLUMES_ENCRYPTED: ['ENCRYPTED_VOLUMES'],
};
