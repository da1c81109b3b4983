import { parseCommand } from '../core/commands/parse';
import type { ModelPort } from '../adapters/llm/bedrock-converse';
import { guardRefusal } from '../core/llm/guard';
import { interpretRequest, readInterpretResponse } from '../core/llm/interpret';
import type { Interpretation } from '../core/llm/interpretation';
import type { ProposalContext } from '../core/llm/proposal';
import { interpretOffline } from '../core/llm/route';
import type { ModelUsage } from '../core/llm/types';
import type { FakeReply, ReceivedConverse } from '../test/support/fake-bedrock/server';
import type { RouterCase } from './cases';

/**
 * The model path as interpretRequestWorkflow runs it (grammar, guard, one Converse call, judged answer),
 * without Temporal so the evaluation needs no servers.
 */
export async function interpretWithModel(
  text: string,
  ctx: ProposalContext,
  model: ModelPort,
): Promise<{ interpretation: Interpretation; usage?: ModelUsage }> {
  const offline = interpretOffline(text, ctx);
  if (offline.source !== 'near-miss') return offline;
  if (guardRefusal(text)) return { interpretation: { kind: 'refuse', reason: guardRefusal(text) ?? '' } };
  const response = await model.converse(interpretRequest(text, ctx, { maxTokens: 1024, temperature: 0 }));
  return { interpretation: readInterpretResponse(text, response, ctx), usage: response.usage };
}

/**
 * The local fake's answers for the evaluation: it replies with the labelled answer as tool calls. This
 * proves the harness (real client, tool schemas, judging, scoring) end to end; it measures no model.
 */
export function oracle(cases: readonly RouterCase[], ctx: ProposalContext): (req: ReceivedConverse) => FakeReply {
  const byText = new Map(cases.map((c) => [c.text.slice(0, 2000), c]));
  return (req) => {
    const first = req.body.messages?.[0]?.content[0];
    const text =
      typeof first?.text === 'string' ? first.text.replace(/^<request>\n/, '').replace(/\n<\/request>$/, '') : '';
    const c = byText.get(text);
    if (!c) return { text: 'I do not know.' };
    if (c.expect === 'refuse') return { toolUses: [{ name: 'refuse_request', input: { reason: 'not allowed' } }] };
    if (c.expect === 'clarify' || c.expect === 'unsupported')
      return { toolUses: [{ name: 'ask_clarification', input: { question: 'which one?' } }] };
    if (c.expect === 'diagnose') return { toolUses: [{ name: 'investigate', input: { question: c.text } }] };
    return {
      toolUses: c.expect.flatMap((line) => {
        const p = parseCommand(line, ctx);
        if (!p.ok) return [];
        const { name, ...input } = p.command;
        return [{ name, input }];
      }),
    };
  };
}
