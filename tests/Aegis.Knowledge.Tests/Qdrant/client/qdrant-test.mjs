// Drives the knowledge service's /qdrant API with Qdrant's own JavaScript client. Exits non-zero on the first failed
// assertion. Reads AEGIS_URL (http://127.0.0.1:PORT), AEGIS_TOKEN (a bearer token) and AEGIS_PERSONAL_DOC (a doc_id
// in personal_knowledge that the token's user must NOT see).
import assert from 'node:assert/strict';
import { QdrantClient } from '@qdrant/js-client-rest';

const client = new QdrantClient({
  url: process.env.AEGIS_URL,
  prefix: '/qdrant',
  headers: { Authorization: `Bearer ${process.env.AEGIS_TOKEN}` },
  checkCompatibility: true,
});

const name = 'js_client_points';
// The client's ApiError says only the HTTP status; Qdrant's own message is in data.status.error.
const rejectsWith = (promise, pattern) => assert.rejects(promise, (e) => pattern.test(e?.data?.status?.error ?? String(e)));
const unit = (i) => { const v = [0, 0, 0, 0]; v[i % 4] = 1; v[(i + 1) % 4] = 0.1 * (i % 3); return v; };

const version = await client.versionInfo();
assert.match(version.version, /^1\.15/);

assert.equal((await client.collectionExists(name)).exists, false);
assert.equal(await client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } }), true);
assert.equal((await client.collectionExists(name)).exists, true);
await rejectsWith(client.createCollection(name, { vectors: { size: 4, distance: 'Cosine' } }), /already exists/);

const points = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  vector: unit(i),
  payload: { city: i % 2 === 0 ? 'London' : 'Berlin', n: i, tags: [`t${i % 5}`], text: `document number ${i} about ${i % 2 === 0 ? 'rain' : 'beer'}` },
}));
const upsert = await client.upsert(name, { wait: true, points });
assert.equal(upsert.status, 'completed');
await client.upsert(name, { wait: true, points: [{ id: '3f1c4e2a-9b7d-4c3e-8f10-2a4b6c8d0e1f', vector: [0.5, 0.5, 0, 0], payload: { city: 'Paris', n: 100 } }] });

const info = await client.getCollection(name);
assert.equal(info.points_count, 41);
assert.equal(info.config.params.vectors.size, 4);
assert.ok((await client.getCollections()).collections.some((c) => c.name === name));

// search with a payload filter: every hit is in London, best first
const hits = await client.search(name, { vector: [1, 0, 0, 0], limit: 5, filter: { must: [{ key: 'city', match: { value: 'London' } }] }, with_payload: true });
assert.equal(hits.length, 5);
assert.ok(hits.every((h) => h.payload.city === 'London'));
for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
assert.ok(Math.abs(hits[0].score - 1) < 1e-4);

// the universal query endpoint, range filter, and must_not
const q = await client.query(name, { query: [0, 1, 0, 0], limit: 3, filter: { must: [{ key: 'n', range: { gte: 10, lt: 30 } }], must_not: [{ key: 'tags', match: { any: ['t1'] } }] }, with_payload: true });
assert.equal(q.points.length, 3);
assert.ok(q.points.every((p) => p.payload.n >= 10 && p.payload.n < 30 && p.payload.tags[0] !== 't1'));

// scroll pages through everything exactly once
const seen = new Set();
let offset = undefined;
do {
  const page = await client.scroll(name, { limit: 7, offset, with_payload: false, with_vector: true });
  page.points.forEach((p) => { assert.equal(p.vector.length, 4); seen.add(String(p.id)); });
  offset = page.next_page_offset ?? undefined;
} while (offset !== undefined);
assert.equal(seen.size, 41);
assert.ok(seen.has('3f1c4e2a-9b7d-4c3e-8f10-2a4b6c8d0e1f'));

// retrieve by id, count with a filter
const got = await client.retrieve(name, { ids: [2, '3f1c4e2a-9b7d-4c3e-8f10-2a4b6c8d0e1f'], with_payload: true });
assert.deepEqual(got.map((p) => p.payload.city).sort(), ['Berlin', 'Paris']);
assert.equal((await client.count(name, { filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] } })).count, 20);

// delete by ids and by filter
await client.delete(name, { wait: true, points: [1, 2, 3] });
assert.equal((await client.count(name, {})).count, 38);
await client.delete(name, { wait: true, filter: { must: [{ key: 'city', match: { value: 'Berlin' } }] } });
assert.equal((await client.count(name, {})).count, 19);

// a bad request gets Qdrant's error shape
await rejectsWith(client.upsert(name, { wait: true, points: [{ id: 7, vector: [1, 2] }] }), /dimensions/);
await rejectsWith(client.search(name, { vector: [1, 0, 0, 0], filter: { must: [{ key: 'city', matches: {} }] } }), /filter\.must\[0\]/);

// the document collections are readable here, under the same access rules
const docs = await client.scroll('general_knowledge', { limit: 100, with_payload: true });
assert.ok(docs.points.length > 0, 'general_knowledge has the test document');
assert.ok(docs.points.every((p) => typeof p.payload.doc_id === 'string' && typeof p.payload.text === 'string' && p.payload.model === 'snowflake-arctic-embed-xs'));
const personal = await client.scroll('personal_knowledge', { limit: 100, with_payload: true });
assert.ok(personal.points.every((p) => p.payload.doc_id !== process.env.AEGIS_PERSONAL_DOC), 'another user\'s personal chunk is visible');
await rejectsWith(client.upsert('general_knowledge', { wait: true, points: [{ id: 1, vector: new Array(384).fill(0.1) }] }), /document/);

assert.equal(await client.deleteCollection(name), true);
assert.equal((await client.collectionExists(name)).exists, false);
console.log('qdrant js client: all checks passed');
