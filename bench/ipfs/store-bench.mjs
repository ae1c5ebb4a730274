// One round of the content-store benchmark with kubo-rpc-client against URL (an /ipfs-api or js-ipfs RPC API root):
// add and cat MB/s at 1 MiB and 10 MiB (best of a few repetitions inside the round), and 1 KiB add latency
// p50/p99 over N sequential adds. Prints one JSON line. Every add uses fresh random bytes (no dedup shortcut).
import { create } from 'kubo-rpc-client'
import { randomBytes } from 'node:crypto'

const url = process.argv[2]
const smallCount = Number(process.argv[3] ?? 300)
const ipfs = create({ url: url + '/api/v0', timeout: 120000 })

async function drain (iterable) { let n = 0; for await (const p of iterable) n += p.length; return n }

async function throughput (size, reps) {
  let bestAdd = 0; let bestCat = 0
  for (let i = 0; i < reps; i++) {
    const data = randomBytes(size)
    let t = performance.now()
    const { cid } = await ipfs.add(data)
    const addS = (performance.now() - t) / 1000
    t = performance.now()
    const n = await drain(ipfs.cat(cid))
    const catS = (performance.now() - t) / 1000
    if (n !== size) throw new Error(`cat returned ${n} bytes, expected ${size}`)
    bestAdd = Math.max(bestAdd, size / 1048576 / addS)
    bestCat = Math.max(bestCat, size / 1048576 / catS)
  }
  return { add: bestAdd, cat: bestCat }
}

await ipfs.add(randomBytes(1024)) // warm-up: first request, JIT
await throughput(1 << 20, 2)
const one = await throughput(1 << 20, 5)
const ten = await throughput(10 << 20, 3)
const lat = []
for (let i = 0; i < smallCount; i++) {
  const data = randomBytes(1024)
  const t = performance.now()
  await ipfs.add(data)
  lat.push(performance.now() - t)
}
lat.sort((a, b) => a - b)
const q = (p) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)]
console.log(JSON.stringify({ add1m: one.add, cat1m: one.cat, add10m: ten.add, cat10m: ten.cat, p50: q(0.5), p99: q(0.99) }))
