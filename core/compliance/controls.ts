/** One NIST 800-53 control this project enforces, and how. */
export interface ControlDescription {
  /** Control id as NIST writes it, e.g. `AU-2`. */
  readonly id: string;
  readonly title: string;
  /** How the templates implement the control, in one or two sentences. */
  readonly implementation: string;
  /** Guard rules file (under infra/cfn-guard-rules/nist-800-53/) holding its rules. */
  readonly rulesFile: string;
}

/** The controls from the seed (phases 1D and 2B), in report order. */
export const CONTROLS: readonly ControlDescription[] = [
  {
    id: 'AU-2',
    title: 'Event Logging',
    implementation:
      'Every VPC has a flow log capturing ALL traffic into CloudWatch Logs; the EKS control plane logs api, audit, authenticator, controllerManager and scheduler.',
    rulesFile: 'au-2-audit-events.guard',
  },
  {
    id: 'AU-3',
    title: 'Content of Audit Records',
    implementation:
      'Flow logs declare an explicit LogFormat with account, interface, source and destination addresses and ports, protocol, start/end time, action and log status.',
    rulesFile: 'au-3-audit-content.guard',
  },
  {
    id: 'SC-7',
    title: 'Boundary Protection',
    implementation:
      'Every subnet is associated with a custom network ACL that has explicit deny entries (SSH/RDP from the internet); subnets assign no public IPs; the EKS API endpoint is private only.',
    rulesFile: 'sc-7-boundary-protection.guard',
  },
  {
    id: 'SC-8',
    title: 'Transmission Confidentiality and Integrity',
    implementation:
      'The only ingress from 0.0.0.0/0 or ::/0 is TCP 443 (TLS) on the ALB security group; everything else comes from named security groups or the VPN range.',
    rulesFile: 'sc-8-transmission-confidentiality.guard',
  },
  {
    id: 'AC-2',
    title: 'Account Management',
    implementation:
      'Access is through named IAM roles with explicit trust policies and sessions of at most one hour; no IAM users or access keys; no role is assumable by any principal. The PRD deploy role demands SourceIdentity and an approval-id session tag.',
    rulesFile: 'ac-2-account-management.guard',
  },
  {
    id: 'AC-6',
    title: 'Least Privilege',
    implementation:
      'No IAM statement grants a wildcard resource or action and no administrator managed policy is attached; add-ons that call AWS (vpc-cni, EBS CSI, load balancer controller) use their own IRSA roles.',
    rulesFile: 'ac-6-least-privilege.guard',
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
      'Templates take the deployed git commit as parameter IaCVersion (a SHA, no default) and every IaC_Version tag references it, so each resource names the commit that last changed it.',
    rulesFile: 'cm-3-configuration-change-control.guard',
  },
  {
    id: 'SC-28',
    title: 'Protection of Information at Rest',
    implementation:
      'Kubernetes secrets are encrypted with a customer KMS key; log groups are KMS-encrypted; KMS keys rotate; node and standalone EBS volumes are encrypted.',
    rulesFile: 'sc-28-protection-at-rest.guard',
  },
];

/** The control a guard rule enforces, read from its name prefix: `AU2_VPC_FLOW_LOGS` -> `AU-2`. */
export function controlOfRule(rule: string): string | undefined {
  const match = /^([A-Z]{2})(\d+)_/.exec(rule);
  return match ? `${match[1]}-${match[2]}` : undefined;
}
