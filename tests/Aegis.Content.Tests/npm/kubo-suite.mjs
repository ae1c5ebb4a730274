// A fixed suite run with the real IPFS RPC client (kubo-rpc-client) against a node's /ipfs-api.
// Usage: node kubo-suite.mjs http://127.0.0.1:PORT/ipfs-api — prints "ok NAME" per passed check, exits 1 on the first failure.
import assert from 'node:assert/strict'
import { create } from 'kubo-rpc-client'

const url = process.argv[2]
const ipfs = create({ url: url + '/api/v0' })
const enc = new TextEncoder()
const dec = new TextDecoder()

async function concat (iterable) {
  const parts = []
  for await (const p of iterable) parts.push(p)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

async function check (name, fn) {
  try {
    await fn()
    console.log('ok ' + name)
  } catch (err) {
    console.log('FAIL ' + name + ': ' + (err && err.stack ? err.stack : err))
    process.exit(1)
  }
}

async function rejects (promise, pattern) {
  let failed = false
  try { await promise } catch (err) { failed = true; assert.match(String(err.message), pattern) }
  assert.ok(failed, 'expected an error')
}

const big = new Uint8Array(700 * 1024)
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff

await check('version', async () => {
  const v = await ipfs.version()
  assert.equal(typeof v.version, 'string')
})

await check('id', async () => {
  const id = await ipfs.id()
  assert.match(id.id.toString(), /^12D3KooW/)
})

let helloCid
await check('add', async () => {
  const r = await ipfs.add(enc.encode('hello'))
  helloCid = r.cid
  assert.equal(r.cid.toString(), 'QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX')
  assert.equal(r.size, 13)
})

await check('add with cid-version 1 (raw leaves)', async () => {
  const r = await ipfs.add(enc.encode('hello'), { cidVersion: 1 })
  assert.equal(r.cid.toString(), 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
})

let bigCid
await check('add multi-chunk with progress', async () => {
  const seen = []
  const r = await ipfs.add(big, { progress: (bytes) => seen.push(bytes) })
  bigCid = r.cid
  assert.ok(seen.length >= 3, 'progress events: ' + seen.length)
  assert.equal(seen[seen.length - 1], big.length)
})

await check('addAll with directories and wrap', async () => {
  const files = [
    { path: 'docs/a.txt', content: enc.encode('alpha') },
    { path: 'docs/b.txt', content: enc.encode('beta') }
  ]
  const out = []
  for await (const f of ipfs.addAll(files, { wrapWithDirectory: true })) out.push(f)
  const names = out.map(f => f.path)
  assert.deepEqual(names.sort(), ['', 'docs', 'docs/a.txt', 'docs/b.txt'])
  const root = out.find(f => f.path === '')
  assert.equal(dec.decode(await concat(ipfs.cat(root.cid.toString() + '/docs/b.txt'))), 'beta')
})

await check('cat', async () => {
  assert.equal(dec.decode(await concat(ipfs.cat(helloCid))), 'hello')
  const all = await concat(ipfs.cat(bigCid))
  assert.deepEqual(all, big)
})

await check('cat with offset and length', async () => {
  const part = await concat(ipfs.cat(bigCid, { offset: 262140, length: 300000 }))
  assert.deepEqual(part, big.subarray(262140, 262140 + 300000))
  const tail = await concat(ipfs.cat(bigCid, { offset: big.length - 5 }))
  assert.deepEqual(tail, big.subarray(big.length - 5))
})

await check('block put, get, stat', async () => {
  const data = enc.encode('raw block bytes')
  const cid = await ipfs.block.put(data)
  assert.match(cid.toString(), /^bafkrei/)
  assert.deepEqual(await ipfs.block.get(cid), data)
  const stat = await ipfs.block.stat(cid)
  assert.equal(stat.size, data.length)
})

await check('pin add, ls, rm', async () => {
  const r = await ipfs.add(enc.encode('pin me'), { pin: false })
  const pinned = await ipfs.pin.add(r.cid)
  assert.equal(pinned.toString(), r.cid.toString())
  const list = []
  for await (const p of ipfs.pin.ls()) list.push(p.cid.toString())
  assert.ok(list.includes(r.cid.toString()))
  const one = []
  for await (const p of ipfs.pin.ls({ paths: [r.cid] })) one.push(p)
  assert.equal(one.length, 1)
  assert.equal(one[0].type, 'recursive')
  const removed = await ipfs.pin.rm(r.cid)
  assert.equal(removed.toString(), r.cid.toString())
  const after = []
  for await (const p of ipfs.pin.ls()) after.push(p.cid.toString())
  assert.ok(!after.includes(r.cid.toString()))
})

await check('repo gc removes unpinned blocks only', async () => {
  const r = await ipfs.add(enc.encode('garbage ' + Date.now()), { pin: false })
  const removed = []
  for await (const g of ipfs.repo.gc()) removed.push(g.cid.toString())
  assert.ok(removed.length >= 1)
  await rejects(concat(ipfs.cat(r.cid)), /not found|could not find/)
  assert.equal(dec.decode(await concat(ipfs.cat(helloCid))), 'hello')
})

await check('pubsub publish and subscribe', async () => {
  const topic = 'aegis-test-' + Date.now()
  const got = []
  await ipfs.pubsub.subscribe(topic, (m) => got.push(dec.decode(m.data)))
  const topics = await ipfs.pubsub.ls()
  assert.ok(topics.includes(topic), 'ls: ' + JSON.stringify(topics))
  await ipfs.pubsub.publish(topic, enc.encode('one'))
  await ipfs.pubsub.publish(topic, enc.encode('two'))
  for (let i = 0; i < 50 && got.length < 2; i++) await new Promise(r => setTimeout(r, 100))
  assert.deepEqual(got, ['one', 'two'])
  await ipfs.pubsub.unsubscribe(topic)
})

await check('errors for bad arguments', async () => {
  await rejects(concat(ipfs.cat('not-a-cid')), /invalid/)
  await rejects(ipfs.block.stat('QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaZ'), /invalid|not found|could not find/)
  await rejects(ipfs.add(enc.encode('x'), { chunker: 'rabin-1-2-3' }), /chunker/)
  await rejects(ipfs.add(enc.encode('x'), { cidVersion: 7 }), /cid-version/)
  await rejects(ipfs.pin.rm('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4ye4'), /not pinned|invalid/)
  const res = await fetch(url + '/api/v0/cat', { method: 'POST' })
  assert.equal(res.status, 400)
  const body = await res.json()
  assert.equal(body.Type, 'error')
  assert.equal(body.Code, 1)
  assert.match(body.Message, /argument "ipfs-path" is required/)
  const get = await fetch(url + '/api/v0/version')
  assert.equal(get.status, 405)
  const admin = await fetch(url + '/api/v0/config/show', { method: 'POST' })
  assert.equal(admin.status, 404)
})

console.log('done')
