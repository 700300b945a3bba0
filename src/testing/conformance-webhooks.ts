import type { WebhookRequest } from 'syncbridge/connector-kit';
import { createAll, type CaseHelpers, type DefineCase } from './conformance-support.js';
import { peer } from './peers.js';

/** Where the suite registers its webhooks; deliveries reach it through the context's `webhooks.receive`. */
const hookUrl = 'http://127.0.0.1:9/syncbridge-conformance/hooks';

/**
 * Cases of a connector's optional `webhooks` part: registration is idempotent by name, listed
 * and removable; a person's change is delivered, and `verify` names the item for the right
 * secret and refuses a wrong secret, tampered credentials and an unsigned delivery with 401.
 */
export function defineWebhookCases(it: DefineCase, h: CaseHelpers): void {
  const { expect } = peer('vitest');

  it('registers webhooks idempotently by name, lists them and unregisters them (twice without error)', async () => {
    const { connector, project, type } = h.ctx();
    const webhooks = connector.webhooks;
    if (!webhooks) return;
    const name = `syncbridge-conformance-${h.marker()}`;
    const request = { name, url: hookUrl, secret: `s-${h.marker()}`, scopes: [{ project, type }] };
    const first = await webhooks.register(request);
    const second = await webhooks.register(request);
    expect(first.length).toBeGreaterThan(0);
    expect(second.map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
    const listed = (await webhooks.list()).filter((s) => s.name === name);
    expect(listed.map((s) => s.id).sort()).toEqual(first.map((s) => s.id).sort());
    expect(listed.every((s) => s.url === hookUrl)).toBe(true);
    const events = new Set(listed.flatMap((s) => s.events));
    for (const kind of ['created', 'updated', 'deleted', 'commented'] as const) expect(events).toContain(kind);
    for (const s of listed) await webhooks.unregister(s.id);
    for (const s of listed) await webhooks.unregister(s.id);
    expect((await webhooks.list()).filter((s) => s.name === name)).toEqual([]);
  });

  it("delivers a person's change, which verify names; a wrong secret, tampered credentials or none is a 401", async () => {
    const { connector, project, type, fields, webhooks: delivery } = h.ctx();
    const webhooks = connector.webhooks;
    if (!webhooks || !delivery) return;
    const received: WebhookRequest[] = [];
    delivery.receive(async (request) => {
      received.push({
        method: request.method,
        url: request.url,
        headers: new Headers(request.headers),
        body: new Uint8Array(await request.arrayBuffer()),
      });
      return new Response(null, { status: 200 });
    });
    const secret = `secret-${h.marker()}`;
    const name = `syncbridge-conformance-${h.marker()}`;
    const registered = await webhooks.register({ name, url: hookUrl, secret, scopes: [{ project, type }] });
    try {
      const [item] = await createAll(connector, [h.request(`hooked ${h.marker()}`)]);
      if (!item) throw new Error('no item created');
      await delivery.settled();
      received.length = 0;
      await h.ctx().editAsOtherUser(item.id, { [fields.title]: `edited ${h.marker()}` });
      await delivery.settled();
      const naming: WebhookRequest[] = [];
      for (const r of received) {
        const verified = await webhooks.verify(r, secret);
        expect(verified.ok, verified.ok ? '' : verified.reason).toBe(true);
        if (verified.ok && verified.events.some((e) => e.itemId === item.id && e.event === 'updated')) naming.push(r);
      }
      expect(naming.length).toBeGreaterThan(0);
      const one = naming[0] as WebhookRequest;
      const event = await webhooks.verify(one, secret);
      expect(event.ok && event.events.find((e) => e.itemId === item.id)).toMatchObject({
        itemId: item.id,
        itemKey: item.key,
        type,
      });
      expect(await webhooks.verify(one, `not-${secret}`)).toMatchObject({ ok: false, status: 401 });
      // Tampered credentials: every header's value changed in its middle character (a signature, a
      // password). Not the last: base64's last character may carry bits no byte uses, and a
      // changed padding decodes to the same password.
      const tampered = new Headers();
      one.headers.forEach((value, key) => {
        const at = Math.floor(value.length / 2);
        const other = value[at] === 'a' ? 'b' : 'a';
        tampered.set(key, key === 'content-type' ? value : `${value.slice(0, at)}${other}${value.slice(at + 1)}`);
      });
      expect(await webhooks.verify({ ...one, headers: tampered }, secret)).toMatchObject({ ok: false, status: 401 });
      const bare = new Headers({ 'content-type': one.headers.get('content-type') ?? 'application/json' });
      expect(await webhooks.verify({ ...one, headers: bare }, secret)).toMatchObject({ ok: false, status: 401 });
    } finally {
      for (const s of registered) await webhooks.unregister(s.id);
    }
  });
}
