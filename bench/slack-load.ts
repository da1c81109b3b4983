/**
 * The load side of bench/slack.ts, in its own process (as Slack is): fires N signed slash commands at once at
 * a Bolt URL, serves their response_url, and prints each request's time to the HTTP ack (and, when answers are
 * expected, to its answer on the response_url) as JSON. argv: <url> <n> <tag> <text> [answers: 0|1]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNING_SECRET } from '../test/support/fake-slack/bot-harness';
import { postSigned, slashCommandBody } from '../test/support/fake-slack/signed';

async function main(): Promise<void> {
  const [url = '', nRaw = '50', tag = 'load', text = 'list', answersRaw = '0'] = process.argv.slice(2);
  const n = Number(nRaw);
  const t0 = Date.now();
  const answered: number[] = [];
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      answered.push(Date.now() - t0);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const responseUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/respond`;
  const who = { userId: 'U0ALICE01', teamId: 'T0SANDBOX' };
  const bodies = Array.from({ length: n }, (_, i) =>
    slashCommandBody(who, text, 'C0DEVOPS1', responseUrl, `${tag}-${i}-${Date.now()}`),
  );
  const results = await Promise.all(
    bodies.map((b) => postSigned(url, SIGNING_SECRET, b, 'application/x-www-form-urlencoded')),
  );
  const failed = results.filter((r) => r.status !== 200).length;
  // Let the app's after-ack answers arrive before the sink closes: all of them (up to 60 s) when the app answers.
  const until = Date.now() + (answersRaw === '1' ? 60_000 : 1500);
  while (Date.now() < until && (answersRaw !== '1' || answered.length < n)) await new Promise((r) => setTimeout(r, 50));
  sink.close();
  process.stdout.write(JSON.stringify({ failed, ms: results.map((r) => r.ms), answeredMs: answered }));
}

void main();
