import { MANDATORY_TAGS } from '../validation';
import type { CfnTemplate } from './cfn-template';
import { isRecord } from './cfn-template';
import { TAG_SPECIFICATION_TYPES, TAGGABLE_LIST_TYPES, TAGGABLE_MAP_TYPES } from './taggable-types';

/** A resource that lacks mandatory tags. */
export interface MissingTags {
  /** Logical id of the resource. */
  readonly resource: string;
  readonly type: string;
  /** Mandatory tag keys not present, in MANDATORY_TAGS order. */
  readonly missing: readonly string[];
  /** Where the tags were expected, e.g. `Tags` or `TagSpecifications[instance]`. */
  readonly where: string;
}

/** Every taggable resource (see taggable-types.ts) must carry all of `tags` (default MANDATORY_TAGS). */
export function findMissingTags(template: CfnTemplate, tags: readonly string[] = MANDATORY_TAGS): MissingTags[] {
  const out: MissingTags[] = [];
  for (const [resource, body] of Object.entries(template.Resources)) {
    const type = typeof body?.Type === 'string' ? body.Type : '';
    const props = isRecord(body?.Properties) ? body.Properties : {};
    for (const [where, keys] of tagKeySets(type, props)) {
      const missing = tags.filter((tag) => !keys.has(tag));
      if (missing.length > 0) out.push({ resource, type, missing, where });
    }
  }
  return out;
}

function tagKeySets(type: string, props: Record<string, unknown>): Array<[string, Set<string>]> {
  if (TAGGABLE_LIST_TYPES.includes(type)) return [['Tags', listKeys(props.Tags)]];
  if (TAGGABLE_MAP_TYPES.includes(type))
    return [['Tags', new Set(isRecord(props.Tags) ? Object.keys(props.Tags) : [])]];
  if (TAG_SPECIFICATION_TYPES.includes(type)) {
    const data = isRecord(props.LaunchTemplateData) ? props.LaunchTemplateData : {};
    return [
      ...specKeys('TagSpecifications', props.TagSpecifications),
      ...specKeys('LaunchTemplateData.TagSpecifications', data.TagSpecifications),
    ];
  }
  return [];
}

function specKeys(where: string, specs: unknown): Array<[string, Set<string>]> {
  if (!Array.isArray(specs) || specs.length === 0) return [[where, new Set()]];
  return specs.map((spec): [string, Set<string>] => {
    const kind = isRecord(spec) && typeof spec.ResourceType === 'string' ? spec.ResourceType : '?';
    return [`${where}[${kind}]`, listKeys(isRecord(spec) ? spec.Tags : undefined)];
  });
}

function listKeys(tags: unknown): Set<string> {
  if (!Array.isArray(tags)) return new Set();
  return new Set(tags.flatMap((tag) => (isRecord(tag) && typeof tag.Key === 'string' ? [tag.Key] : [])));
}
