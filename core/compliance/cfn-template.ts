import type { Document, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq, parseDocument } from 'yaml';

/** A template read far enough to check it: the parsed body, or why it is not a CloudFormation template. */
export type ParsedTemplate =
  { readonly ok: true; readonly template: CfnTemplate } | { readonly ok: false; readonly reason: string };

/** The parts of a CloudFormation template the checks read; intrinsic functions appear in long form. */
export interface CfnTemplate {
  readonly Parameters?: Record<string, unknown>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, CfnResource>;
  readonly Outputs?: Record<string, unknown>;
}

export interface CfnResource {
  readonly Type?: unknown;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: unknown;
}

const LONG_FORM: Readonly<Record<string, string>> = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!GetAtt': 'Fn::GetAtt',
  '!Sub': 'Fn::Sub',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!If': 'Fn::If',
  '!Equals': 'Fn::Equals',
  '!Not': 'Fn::Not',
  '!And': 'Fn::And',
  '!Or': 'Fn::Or',
  '!FindInMap': 'Fn::FindInMap',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!ImportValue': 'Fn::ImportValue',
  '!GetAZs': 'Fn::GetAZs',
  '!Transform': 'Fn::Transform',
  '!Length': 'Fn::Length',
  '!ToJsonString': 'Fn::ToJsonString',
};

/**
 * Parses a YAML or JSON template, turning CloudFormation short tags (`!Ref`, `!Sub`, ...) into their long
 * form. Never throws: a syntax error or a body without a `Resources` map is a `reason`.
 */
export function parseCfnTemplate(source: string): ParsedTemplate {
  // Unknown tags only warn in `yaml`, so the short forms keep their tag on the node and are converted below.
  const doc = parseDocument(source, { prettyErrors: false, strict: false });
  const first = doc.errors[0];
  if (first) return { ok: false, reason: `not valid YAML/JSON: ${first.message.split('\n')[0] ?? ''}` };
  const body = toPlain(doc.contents, doc);
  if (!isRecord(body)) return { ok: false, reason: 'not a CloudFormation template: the document is not a map' };
  if (!isRecord(body.Resources)) {
    return { ok: false, reason: 'not a CloudFormation template: no Resources map' };
  }
  return { ok: true, template: body as unknown as CfnTemplate };
}

function toPlain(node: unknown, doc: Document): unknown {
  if (isAlias(node)) return toPlain(node.resolve(doc), doc);
  const plain = plainValue(node, doc);
  const tag = (node as Node | null)?.tag;
  const longForm = tag ? LONG_FORM[tag] : undefined;
  if (!longForm) return plain;
  if (longForm === 'Fn::GetAtt' && typeof plain === 'string') return { [longForm]: plain.split('.') };
  return { [longForm]: plain };
}

function plainValue(node: unknown, doc: Document): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[String(toPlain(pair.key, doc))] = toPlain(pair.value, doc);
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => toPlain(item, doc));
  if (isScalar(node)) return node.value;
  return node ?? null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
