// Checks blocks and commit certificates in the browser, with WebCrypto, against the validator set from /v1/validators.
// The byte layouts mirror the node's canonical codec (src/Aegis.Core/Encoding, Ledger/BlockHeader.cs, Transaction.cs,
// Ledger/SignBytes.cs, Crypto/MerkleTree.cs): big-endian integers, u8/u16/u32 length prefixes, SHA-256 everywhere.

const utf8 = new TextEncoder();

class Writer {
  constructor() { this.parts = []; this.length = 0; }
  push(bytes) { this.parts.push(bytes); this.length += bytes.length; return this; }
  int(value, bytes) {
    const out = new Uint8Array(bytes);
    let v = BigInt.asUintN(bytes * 8, BigInt(value));
    for (let i = bytes - 1; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
    return this.push(out);
  }
  u8(v) { return this.int(v, 1); }
  u16(v) { return this.int(v, 2); }
  u32(v) { return this.int(v, 4); }
  u64(v) { return this.int(v, 8); }
  i64(v) { return this.int(v, 8); }
  bytes8(b) { return this.u8(b.length).push(b); }
  bytes16(b) { return this.u16(b.length).push(b); }
  bytes32(b) { return this.u32(b.length).push(b); }
  string8(s) { return this.bytes8(utf8.encode(s)); }
  done() {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

export function hexToBytes(hex) {
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length % 2) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

function base64ToBytes(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** BlockHeader.WriteTo: version 1, chain id, height, view, previous hash, tx root, state root, proposer, timestamp, tx count. */
function headerBytes(h, proposerIndex) {
  return new Writer().u8(1).string8(h.chain_id).u64(h.height).u64(h.view)
    .push(hexToBytes(h.previous_hash)).push(hexToBytes(h.tx_root)).push(hexToBytes(h.state_root))
    .u16(proposerIndex).i64(h.timestamp_ms).u32(h.tx_count).done();
}

/** Transaction.WriteTo: version 1, op (put 1, del 2), key (u16 length), value (u32 length), client id (u8 length). */
function txBytes(tx) {
  return new Writer().u8(1).u8(tx.op === 'put' ? 1 : 2)
    .bytes16(utf8.encode(tx.key)).bytes32(utf8.encode(tx.value ?? '')).bytes8(utf8.encode(tx.id ?? '')).done();
}

/** MerkleTree.ComputeRoot: leaf = H(0x00 ‖ item), node = H(0x01 ‖ left ‖ right), an odd last node promoted unchanged. */
async function merkleRoot(items) {
  if (items.length === 0) return new Uint8Array(32);
  let level = await Promise.all(items.map(i => sha256(new Writer().u8(0).push(i).done())));
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(sha256(new Writer().u8(1).push(level[i]).push(level[i + 1]).done()));
    if (level.length % 2 === 1) next.push(Promise.resolve(level[level.length - 1]));
    level = await Promise.all(next);
  }
  return level[0];
}

/** SignBytes.ForVote(Commit): "AEGIS/v1" ‖ kind 3 ‖ chain id ‖ view ‖ height ‖ block hash: what each COMMIT signature covers. */
function commitSignBytes(chainId, view, height, blockHash) {
  return new Writer().push(utf8.encode('AEGIS/v1')).u8(3).string8(chainId).u64(view).u64(height).push(blockHash).done();
}

const algorithms = {
  // The node's P-256 keys are X‖Y; WebCrypto's raw form is the uncompressed point 0x04‖X‖Y. Signatures are r‖s (IEEE P1363), as WebCrypto expects.
  'ecdsa-p256': {
    import: raw => crypto.subtle.importKey('raw', new Writer().u8(4).push(raw).done(), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']),
    verify: (key, sig, data) => crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, sig, data),
  },
  'ed25519': {
    import: raw => crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']),
    verify: (key, sig, data) => crypto.subtle.verify({ name: 'Ed25519' }, key, sig, data),
  },
};

export class Verifier {
  /** Null when this browser cannot verify at all (WebCrypto exists only in secure contexts: https, localhost, 127.0.0.1). */
  static async create(set) {
    if (!globalThis.crypto?.subtle) return null;
    const v = new Verifier(set);
    for (const val of set.validators) {
      const alg = algorithms[val.algorithm];
      try {
        v.keys.set(val.id, { index: val.index, alg, key: alg ? await alg.import(base64ToBytes(val.public_key)) : null, algorithm: val.algorithm });
      } catch (e) {
        v.keys.set(val.id, { index: val.index, alg, key: null, algorithm: val.algorithm, error: String(e) });
      }
    }
    return v;
  }

  constructor(set) {
    this.set = set;
    this.keys = new Map();
  }

  /** Every check on one block from /v1/blocks/{h}; ok only if all hold. */
  async verifyBlock(b) {
    const checks = [];
    const check = (name, ok, detail) => checks.push({ name, ok, detail });
    const proposer = this.keys.get(b.header.proposer);
    let hash = null;
    if (!proposer) {
      check('header hash', false, `proposer ${b.header.proposer} is not in the validator set`);
    } else {
      hash = await sha256(headerBytes(b.header, proposer.index));
      check('header hash', bytesToHex(hash) === b.hash, `SHA-256 of the header is ${bytesToHex(hash).slice(0, 16)}…`);
    }

    const txHashes = [];
    let txOk = b.txs.length === b.header.tx_count;
    for (const tx of b.txs) {
      const h = await sha256(txBytes(tx));
      txOk &&= bytesToHex(h) === tx.tx_hash;
      txHashes.push(h);
    }
    const root = await merkleRoot(txHashes);
    txOk &&= bytesToHex(root) === b.header.tx_root;
    check('transactions', txOk, `${b.txs.length} transaction hashes recomputed; their Merkle root ${txOk ? 'matches' : 'does not match'} header.tx_root`);

    const c = b.certificate;
    check('certificate is for this block', c.height === b.height && c.block_hash === b.hash, `height ${c.height}, view ${c.view}`);

    const message = commitSignBytes(this.set.chain_id, c.view, c.height, hexToBytes(c.block_hash));
    const signers = new Set();
    const problems = [];
    for (const s of c.signatures) {
      const k = this.keys.get(s.validator);
      if (!k) { problems.push(`${s.validator}: not a validator`); continue; }
      if (!k.key) { problems.push(`${s.validator}: ${k.algorithm} keys cannot be checked in this browser`); continue; }
      if (signers.has(s.validator)) { problems.push(`${s.validator}: signed twice`); continue; }
      if (await k.alg.verify(k.key, base64ToBytes(s.signature), message)) signers.add(s.validator);
      else problems.push(`${s.validator}: bad signature`);
    }
    const quorum = this.set.quorum;
    check('commit signatures', signers.size >= quorum,
      `${signers.size} of ${c.signatures.length} signatures valid (quorum ${quorum} of ${this.set.validators.length})${problems.length ? '; ' + problems.join('; ') : ''}`);

    const ok = checks.every(x => x.ok);
    const unverifiable = !ok && problems.length > 0 && problems.every(p => p.includes('cannot be checked'));
    return { ok, state: ok ? 'verified' : unverifiable ? 'unverifiable' : 'failed', checks, valid: signers.size, quorum,
      summary: ok ? `verified: ${signers.size}/${c.signatures.length} signatures, quorum ${quorum}` : checks.filter(x => !x.ok).map(x => `${x.name}: ${x.detail}`).join('; ') };
  }
}

export const scope =
  'For every block shown, this browser recomputes the header hash (SHA-256 of the canonical header bytes), every transaction hash and ' +
  'their Merkle root, and checks the commit certificate: each signature is verified with WebCrypto (ECDSA P-256 with SHA-256, or Ed25519) ' +
  'over the exact COMMIT sign bytes, from distinct validators, at least a quorum of them. Also checked: each block names the previous ' +
  "block's hash when both are on screen. Not checked here: the state root (that needs re-executing the transactions: use 'aegis verify'), " +
  'and that the validator set is the genuine one: it comes from this node (/v1/validators, genesis hash shown below), so compare that hash ' +
  'with another node or your genesis file before trusting these checks against a node you do not run.';
