// CID oracle: ipfs-unixfs-importer (the JS IPFS importer, independent of our code) with Kubo's add profile.
// Usage: node oracle-cid.mjs CASES.json — CASES is [{"file","cidVersion","rawLeaves"}]; prints one CID per line.
import { readFile } from 'node:fs/promises'
import { importer } from 'ipfs-unixfs-importer'
import { MemoryBlockstore } from 'blockstore-core/memory'

const cases = JSON.parse(await readFile(process.argv[2], 'utf8'))
for (const c of cases) {
  const content = await readFile(c.file)
  let last
  for await (const entry of importer([{ content }], new MemoryBlockstore(), {
    profile: 'unixfs-v0-2015',
    cidVersion: c.cidVersion,
    rawLeaves: c.rawLeaves
  })) {
    last = entry
  }
  console.log(`${last.cid.toString()} ${last.size}`)
}
