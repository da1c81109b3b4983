/**
 * Requests that try to talk the assistant out of its rules are refused by code, before any model sees them
 * and whatever a model would make of them. These are cheap, explainable patterns; the real protection is
 * that nothing writes without preview and approval, whatever text arrives.
 */
const RULES: readonly (readonly [RegExp, string])[] = [
  [
    /\b(ignore|disregard|forget|override|bypass|circumvent)\b.{0,40}\b(rules?|instructions?|prompts?|polic(?:y|ies)|guardrails?|safety|restrictions?|approvals?|checks?|analys[ie]s|canary|bake|gates?)\b/i,
    'asks me to set aside my rules',
  ],
  [
    /\b(without|skip(?:ping)?|no|bypass(?:ing)?|avoid(?:ing)?)\s+(?:any\s+|the\s+|an?\s+)?(approvals?|review|preview|mfa|confirmation|sign[\s-]?off|change[\s-]?sets?|analys[ie]s|canary|bake|security[\s-]?gate)\b/i,
    'asks to skip preview or approval, which every change needs',
  ],
  [
    /\b(system prompt|developer mode|jailbreak|you are now|pretend (?:you are|to be)|act as (?:an? )?(?:root|admin|administrator)|sudo mode|dan mode)\b/i,
    'tries to change who I am',
  ],
  [
    /\b(show|print|give|reveal|send|dump|leak|tell|paste|export)\b.{0,40}\b(credentials?|secret(?:\s+access)?\s+keys?|access\s+keys?|api\s+keys?|passwords?|tokens?|session\s+keys?|mfa\s+(?:codes?|secrets?))\b/i,
    'asks for credentials, which I never see or hand out',
  ],
  [
    /\b(describe|show|print|get|read|dump|reveal|cat|display|decode|open)\b.{0,40}\bsecrets?\b/i,
    'asks to read a Kubernetes Secret; Secrets are not on the list of readable kinds',
  ],
  [
    /(?:;|&&|\|\||`|\$\()\s*(?:rm|curl|wget|bash|sh|python|nc|chmod)\b/i,
    'contains shell syntax; I run commands, not shells',
  ],
  [
    /\b(approve|merge)\b.{0,30}\b(my own|myself|own change)\b/i,
    'asks to approve your own change, which is never allowed',
  ],
  [
    /\b(all|every)\s+(?:the\s+)?(stacks|environments)\b.{0,30}\b(delete|destroy|remove|nuke|wipe)\b|\b(delete|destroy|remove|nuke|wipe)\b.{0,30}\b(all|every|everything)\b/i,
    'asks for a bulk destructive change; name one stack and environment at a time',
  ],
];

/** Why this request is refused outright, or undefined. */
export function guardRefusal(text: string): string | undefined {
  for (const [re, why] of RULES) if (re.test(text)) return `refused: the request ${why}.`;
  return undefined;
}
