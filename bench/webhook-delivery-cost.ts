/**
 * What webhooks cost the simulators at scale: edits per ms with no registration (the wrapper
 * must cost nothing) and with one signed registration (each edit rendered, signed and
 * delivered to an in-process receiver). Run: `N=100000 npx tsx bench/webhook-delivery-cost.ts`.
 */
import { createJiraSimulator } from 'syncbridge/testing/jira';
import { createAzureDevOpsSimulator } from 'syncbridge/testing/azure-devops';

const n = Number(process.env.N ?? 100000);
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
let phase = 0;
async function timeEdits(handle: (r: Request) => Promise<Response>, make: (i: number) => Request, count: number) {
  phase++;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await handle(make(i));
    if (r.status >= 300) throw new Error(`status ${r.status}: ${await r.text()}`);
  }
  return (performance.now() - t0) / count;
}
{
  const t = performance.now();
  const jira = createJiraSimulator({ seed: 'demo', issues: n });
  console.log(`jira seed ${n}: ${Math.round(performance.now() - t)} ms`);
  const bot = jira.users[0]!;
  const auth = basic(bot.email, bot.apiToken);
  const key = (i: number) => `DEMO-${(i % 1000) + 1}`;
  const edit = (i: number) =>
    new Request(`http://jira.test/rest/api/3/issue/${key(i)}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { summary: `edit ${phase}.${i}` } }),
    });
  console.log(`jira PUT issue, no webhook: ${(await timeEdits(jira.handle, edit, 300)).toFixed(3)} ms/edit`);
  jira.webhooks.deliveries.transport = async () => new Response(null, { status: 200 });
  const reg = await jira.handle(
    new Request('http://jira.test/rest/webhooks/1.0/webhook', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'b',
        url: 'http://x.test/h',
        events: ['jira:issue_updated'],
        filters: { 'issue-related-events-section': 'project = DEMO AND issuetype = Bug' },
        secret: 's',
      }),
    }),
  );
  if (reg.status !== 201) throw new Error(await reg.text());
  // The first scan builds the simulator's `updated` index once (searches would too): not counted.
  await timeEdits(jira.handle, edit, 1);
  console.log(`jira PUT issue, one signed webhook: ${(await timeEdits(jira.handle, edit, 300)).toFixed(3)} ms/edit`);
  await jira.webhooks.deliveries.settled();
  console.log(`jira deliveries: ${jira.webhooks.deliveries.attempts.length}`);
}
{
  const t = performance.now();
  const ado = createAzureDevOpsSimulator({ seed: 'demo', workItems: n });
  console.log(`ado seed ${n}: ${Math.round(performance.now() - t)} ms`);
  const bot = ado.users[0]!;
  const auth = basic('', bot.pat);
  const ids = [...ado.state.workItems.keys()].slice(0, 1000);
  const edit = (i: number) =>
    new Request(`http://ado.test/demo-org/Demo/_apis/wit/workitems/${ids[i % ids.length]}?api-version=7.1`, {
      method: 'PATCH',
      headers: { authorization: auth, 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'add', path: '/fields/System.Title', value: `edit ${phase}.${i}` }]),
    });
  console.log(`ado PATCH work item, no subscription: ${(await timeEdits(ado.handle, edit, 300)).toFixed(3)} ms/edit`);
  ado.webhooks.deliveries.transport = async () => new Response(null, { status: 200 });
  const project = ado.state.projects[0]!;
  const reg = await ado.handle(
    new Request('http://ado.test/demo-org/_apis/hooks/subscriptions?api-version=7.1', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        publisherId: 'tfs',
        eventType: 'workitem.updated',
        consumerId: 'webHooks',
        consumerActionId: 'httpRequest',
        publisherInputs: { projectId: project.id },
        consumerInputs: { url: 'http://x.test/h', basicAuthUsername: 'u', basicAuthPassword: 'p' },
      }),
    }),
  );
  if (reg.status !== 200) throw new Error(await reg.text());
  console.log(`ado PATCH work item, one subscription: ${(await timeEdits(ado.handle, edit, 300)).toFixed(3)} ms/edit`);
  await ado.webhooks.deliveries.settled();
  console.log(`ado deliveries: ${ado.webhooks.deliveries.attempts.length}`);
}
