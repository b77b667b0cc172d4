import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeKey, routes } from '../../infra/topology.ts';
import { categorySlot } from '../support/builders.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { apiFetch, signedFetch } from '../support/sigv4.ts';

let rt: TestRuntime;
let doc: DynamoDBDocumentClient;

beforeAll(async () => {
  rt = await startTestRuntime('adm', { seed: 'always' });
  await rt.seedDone;
  doc = rt.doc;
});
afterAll(async () => rt?.stop());

const get = async (path: string) => {
  const res = await fetch(`${rt.url}${path}`);
  return { status: res.status, body: (await res.json()) as any };
};
const putScene = async (sceneId: string, body: string | object) => {
  const res = await apiFetch(`${rt.url}/v1/admin/scenes/${sceneId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};
/** Every stored scene, as stored (updatedAt included), in key order. */
const storedScenes = async () => {
  const out = await doc.send(new ScanCommand({ TableName: rt.tableNames.scenes, ConsistentRead: true }));
  return (out.Items ?? []).sort((a, b) => String(a.sceneId).localeCompare(String(b.sceneId)));
};

const sceneId = `e2e-night-camp-${randomUUID().slice(0, 8)}`;
const nightCamp = () => ({
  sceneId,
  title: { en: 'Night camp', 'zh-CN': '夜间露营' },
  summary: { en: 'A tent and a light for the first night out', 'zh-CN': '第一晚露营的帐篷和灯' },
  guide: { en: ['Pitch the tent before dark'], 'zh-CN': ['天黑前搭好帐篷'] },
  season: 'summer',
  occasion: 'weekend',
  slots: [categorySlot('tent', 'tents'), categorySlot('lamp', 'camping-lamps')],
});

describe('PUT /v1/admin/scenes/{sceneId}', () => {
  it('accepts a new scene, which catalog-write stores and the scene routes serve, filled', async () => {
    const put = await putScene(sceneId, nightCamp());
    expect(put).toMatchObject({ status: 202, body: { sceneId, status: 'accepted' } });
    expect(put.body.eventId).toMatch(/^scene-[0-9a-f-]{36}$/);
    await rt.bus.drain();

    const list = await get('/v1/scenes');
    expect(list.body.items.find((s: { sceneId: string }) => s.sceneId === sceneId)).toMatchObject({
      title: { en: 'Night camp' },
      active: true,
    });
    // scenes-read caches the scene list per container for 60 s; this is its first request here.
    const filled = await get(`/v1/scenes/${sceneId}`);
    expect(filled.status).toBe(200);
    const slots = filled.body.scene.slots as {
      slotId: string;
      pick: { product: { category: string } } | null;
    }[];
    expect(slots.map((s) => [s.slotId, s.pick?.product.category])).toEqual([
      ['tent', 'tents'],
      ['lamp', 'camping-lamps'],
    ]);
  });

  it('replaces the scene with a changed version', async () => {
    const before = (await storedScenes()).find((s) => s.sceneId === sceneId)!;
    const changed = {
      ...nightCamp(),
      title: { en: 'Night camp, seated', 'zh-CN': '夜间露营（带椅子）' },
      season: 'autumn',
      slots: [...nightCamp().slots, categorySlot('chair', 'camping-chairs', { required: false })],
    };
    expect((await putScene(sceneId, changed)).status).toBe(202);
    await rt.bus.drain();

    // Through catalog-read, which does not cache (scenes-read would serve its cached list for a minute).
    const list = await get('/v1/scenes');
    expect(list.body.items.find((s: { sceneId: string }) => s.sceneId === sceneId)).toMatchObject({
      title: changed.title,
      season: 'autumn',
      slots: [{ slotId: 'tent' }, { slotId: 'lamp' }, { slotId: 'chair', required: false }],
    });
    const after = (await storedScenes()).find((s) => s.sceneId === sceneId)!;
    expect(after.updatedAt > before.updatedAt).toBe(true);
  });

  describe('rejects a bad definition with the field, and changes nothing', () => {
    const base = nightCamp();
    const { title: _title, ...untitled } = base;
    const cases: [string, string, string | object, number, string][] = [
      ['a missing title', sceneId, untitled, 400, 'body.title'],
      [
        'a repeated slotId',
        sceneId,
        { ...base, slots: [categorySlot('tent', 'tents'), categorySlot('tent', 'camping-lamps')] },
        400,
        'body.slots.1.slotId',
      ],
      [
        'a slot with neither categories nor tags',
        sceneId,
        {
          ...base,
          slots: [
            categorySlot('tent', 'tents'),
            { ...categorySlot('lamp', 'camping-lamps'), constraint: {} },
          ],
        },
        400,
        'body.slots.1.constraint',
      ],
      [
        'a category no product is in',
        sceneId,
        {
          ...base,
          slots: [
            categorySlot('tent', 'tents'),
            { ...categorySlot('lamp', 'x'), constraint: { categories: ['camping-lamps', 'moon-boots'] } },
          ],
        },
        400,
        'body.slots.1.constraint.categories.1',
      ],
      ['a misspelt field (the body is strict)', sceneId, { ...base, seasons: 'summer' }, 400, 'body'],
      ['a sceneId other than the path one', `${sceneId}-other`, base, 400, 'body.sceneId'],
      ['a path sceneId that is not an id', 'not%20an%20id', base, 400, 'path.sceneId'],
      ['a body that is not JSON', sceneId, '{"sceneId": ', 400, 'body'],
      [
        'a 2 MB body',
        sceneId,
        { ...base, guide: { en: ['x'.repeat(2 * 1024 * 1024)], 'zh-CN': ['x'] } },
        413,
        'body',
      ],
    ];

    let before: Record<string, unknown>[];
    beforeAll(async () => {
      await rt.bus.drain();
      before = await storedScenes();
    });

    it.each(cases)('%s', async (_what, pathId, body, status, field) => {
      const res = await putScene(pathId, body);
      expect(res.status).toBe(status);
      expect(res.body.error.issues.map((i: { path: string }) => i.path)).toEqual([field]);
    });

    it('stored nothing for any of them', async () => {
      await rt.bus.drain();
      expect(await storedScenes()).toEqual(before);
    });
  });

  it('answers 503 when the bus refuses the event, and stores nothing', async () => {
    const before = await storedScenes();
    // The bus refuses SceneUpserted entries. Anything else published meanwhile (the start-up
    // re-rank's HitRankingUpdated, which no local rule consumes) is acknowledged, so the re-rank
    // still running in the background is not disturbed and the test need not wait for it.
    const eb = mockClient(EventBridgeClient);
    try {
      eb.on(PutEventsCommand).callsFake((input: { Entries: { DetailType?: string }[] }) => {
        const entries = input.Entries.map((e, i) =>
          e.DetailType === 'SceneUpserted'
            ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
            : { EventId: `fake-${i}` },
        );
        return { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries };
      });
      const res = await putScene(sceneId, {
        ...nightCamp(),
        title: { en: 'Never stored', 'zh-CN': '不会保存' },
      });
      expect(res).toMatchObject({ status: 503, body: { error: { code: 'PublishFailed' } } });
      expect(res.body.error.issues[0].message).toContain('InternalFailure');
    } finally {
      eb.restore();
    }
    await rt.bus.drain();
    expect(await storedScenes()).toEqual(before);
  });
});

describe('the local mirror of IAM', () => {
  const iamRoutes = routes.filter((r) => r.auth === 'iam');
  const pathOf = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => `x-${name}`);

  it.each(iamRoutes.map((r) => [routeKey(r), r] as const))(
    '%s answers 403 unsigned or signed with other keys; signed with the local keys it reaches the function',
    async (_key, route) => {
      const url = `${rt.url}${pathOf(route.path)}`;
      const body = route.method === 'GET' ? undefined : '{}';
      const init = {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        ...(body ? { body } : {}),
      };
      const forbidden = { message: 'Forbidden' };
      const unsigned = await fetch(url, init);
      expect(unsigned.status).toBe(403);
      expect(await unsigned.json()).toEqual(forbidden);
      const stranger = await signedFetch(url, init, {
        accessKeyId: 'AKIDSTRANGER',
        secretAccessKey: 'guess',
      });
      expect(stranger.status).toBe(403);
      const wrongSecret = await signedFetch(url, init, {
        accessKeyId: 'local',
        secretAccessKey: 'not-the-secret',
      });
      expect(wrongSecret.status).toBe(403);
      // Signed with the local keys, the request reaches the function (which answers for itself).
      const signed = await signedFetch(url, init);
      expect(signed.status).not.toBe(403);
      expect(await signed.json()).not.toEqual(forbidden);
    },
  );

  it('refuses a signed request replayed with another body', async () => {
    const url = `${rt.url}/v1/admin/segments`;
    const signed = await signedFetch(url, { method: 'GET' });
    expect(signed.status).toBe(200);
    // The signature of a GET, replayed on a PUT of a policy: not the request that was signed.
    const headers = Object.fromEntries([...(await captureSignedHeaders(url, 'GET')).entries()]);
    const replay = await fetch(url, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(replay.status).toBe(403);
  });

  it('refuses an unsigned PutEvents on the local bus, as EventBridge does', async () => {
    const res = await fetch(`${rt.url}/_local/eventbridge`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
      body: JSON.stringify({
        Entries: [
          {
            Source: 'merchandiser.commerce',
            DetailType: 'OrderPlaced',
            Detail: '{}',
            EventBusName: 'merchandiser-local',
          },
        ],
      }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });
});

/** The headers signedFetch would send for this request (to replay them on another). */
async function captureSignedHeaders(url: string, method: string): Promise<Headers> {
  let captured = new Headers();
  const real = globalThis.fetch;
  globalThis.fetch = (async (_input: unknown, init?: { headers?: Record<string, string> }) => {
    captured = new Headers(init?.headers);
    return new Response('{}');
  }) as typeof fetch;
  try {
    await signedFetch(url, { method });
  } finally {
    globalThis.fetch = real;
  }
  return captured;
}
