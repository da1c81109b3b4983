/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read untyped YAML documents */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCfnTemplate } from '../../../core/compliance/cfn-template';
import type { CfnTemplate } from '../../../core/compliance/cfn-template';
import { REPO_ROOT } from './tools';

/** Parses a repo template, failing the test if it does not parse. */
export function loadTemplate(relativePath: string): CfnTemplate {
  const parsed = parseCfnTemplate(readFileSync(join(REPO_ROOT, relativePath), 'utf8'));
  if (!parsed.ok) throw new Error(`${relativePath}: ${parsed.reason}`);
  return parsed.template;
}

/** Properties of a resource, failing the test when the resource is absent. */
export function props(template: CfnTemplate, logicalId: string): Record<string, any> {
  const resource = template.Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return (resource.Properties ?? {}) as Record<string, any>;
}

export function resourcesOfType(template: CfnTemplate, type: string): Array<[string, Record<string, any>]> {
  return Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, (r.Properties ?? {}) as Record<string, any>]);
}

/** Every value found under `key` anywhere in `node`. */
export function collect(node: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) node.forEach((n) => collect(n, key, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  }
  return out;
}
