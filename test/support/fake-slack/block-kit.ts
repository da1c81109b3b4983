/** Checks a message's Block Kit against Slack's documented limits; returns every violation. */
export function blockKitViolations(blocks: unknown[]): string[] {
  const out: string[] = [];
  if (blocks.length > 50) out.push(`${blocks.length} blocks (max 50)`);
  const actionIds = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    if (
      o.type === 'header' &&
      typeof (o.text as { text?: string })?.text === 'string' &&
      (o.text as { text: string }).text.length > 150
    )
      out.push(`${path}: header over 150`);
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string' && o.text.length > 3000)
      out.push(`${path}: text over 3000`);
    if (o.type === 'button') {
      if (typeof o.value === 'string' && o.value.length > 2000) out.push(`${path}: button value over 2000`);
      if (((o.text as { text?: string })?.text ?? '').length > 75) out.push(`${path}: button text over 75`);
    }
    if (typeof o.action_id === 'string') {
      if (actionIds.has(o.action_id)) out.push(`${path}: duplicate action_id ${o.action_id}`);
      actionIds.add(o.action_id);
      if (o.action_id.length > 255) out.push(`${path}: action_id over 255`);
    }
    if (o.type === 'section' && Array.isArray(o.fields) && o.fields.length > 10)
      out.push(`${path}: more than 10 fields`);
    for (const [k, x] of Object.entries(o)) walk(x, `${path}.${k}`);
  };
  walk(blocks, 'blocks');
  return out;
}
