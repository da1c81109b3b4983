import type { WebClient } from '@slack/web-api';
import { InvalidInput } from '../../core/errors';

/**
 * Files shared with the bot in Slack: files.info names the file and its private URL, which is read with the bot
 * token (Slack answers an HTML sign-in page, not an error, when the token may not read it).
 */
export function createSlackFileSource(props: { readonly client: WebClient; readonly token: string }) {
  return {
    async download(fileId: string, maxBytes: number): Promise<{ name: string; content: string }> {
      const info = await props.client.files.info({ file: fileId }).catch((e: unknown) => {
        const code = (e as { data?: { error?: string } }).data?.error;
        if (code === 'file_not_found' || code === 'file_deleted')
          throw new InvalidInput(
            `slack:${fileId}: no such file, or it is not shared with the bot (invite the bot to its channel)`,
          );
        throw e;
      });
      const file = info.file;
      const url = file?.url_private_download ?? file?.url_private;
      if (!file || !url) throw new InvalidInput(`slack:${fileId}: Slack gives no download URL for this file`);
      if ((file.size ?? 0) > maxBytes)
        throw new InvalidInput(`slack:${fileId}: too big to be a template (${file.size} bytes, limit ${maxBytes})`);
      const res = await fetch(url, { headers: { authorization: `Bearer ${props.token}` }, redirect: 'manual' });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || type.includes('text/html'))
        throw new InvalidInput(
          `slack:${fileId}: the bot may not download this file (HTTP ${res.status}); share it with the bot`,
        );
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > maxBytes)
        throw new InvalidInput(`slack:${fileId}: too big to be a template (${body.length} bytes, limit ${maxBytes})`);
      return { name: file.name ?? `${fileId}.yaml`, content: body.toString('utf8') };
    },
  };
}
