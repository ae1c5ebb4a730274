// SecureChat client cryptography (protocol aegis-chat/v1), WebCrypto only: Ed25519 signatures, X25519 key agreement,
// HKDF-SHA-256, AES-256-GCM. The same protocol is implemented for the CLI in src/Aegis.Chat/Client (C#).
// Nothing here sends a key or a plaintext anywhere: callers get ciphertext objects to store and signatures to post.

const te = new TextEncoder()
const td = new TextDecoder()

export const b64 = {
  enc (bytes) { let s = ''; for (const b of bytes) s += String.fromCharCode(b); return btoa(s) },
  dec (text) { const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4)); return Uint8Array.from(s, c => c.charCodeAt(0)) },
  url (bytes) { return b64.enc(bytes).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') }
}

export const hex = {
  enc (bytes) { return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('') },
  dec (text) { return Uint8Array.from(text.match(/../g) ?? [], h => parseInt(h, 16)) }
}

export function concat (...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

const rand = (n) => crypto.getRandomValues(new Uint8Array(n))
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])

// ---- identities ----------------------------------------------------------------------------------------------
// identity = Ed25519 public (32) ‖ X25519 public (32), written as unpadded base64url (86 characters).

export async function generateIdentity () {
  const sign = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])
  const dh = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])
  return fromKeys(sign, dh)
}

async function fromKeys (sign, dh) {
  const edPub = new Uint8Array(await crypto.subtle.exportKey('raw', sign.publicKey))
  const xPub = new Uint8Array(await crypto.subtle.exportKey('raw', dh.publicKey))
  const identity = concat(edPub, xPub)
  return { sign, dh, identity, text: b64.url(identity) }
}

export async function exportIdentity (id) {
  return JSON.stringify({
    v: 1,
    ed25519: await crypto.subtle.exportKey('jwk', id.sign.privateKey),
    x25519: await crypto.subtle.exportKey('jwk', id.dh.privateKey)
  })
}

export async function importIdentity (json) {
  const o = JSON.parse(json)
  const edPriv = await crypto.subtle.importKey('jwk', o.ed25519, { name: 'Ed25519' }, true, ['sign'])
  const xPriv = await crypto.subtle.importKey('jwk', o.x25519, { name: 'X25519' }, true, ['deriveBits'])
  const edPubJwk = { kty: o.ed25519.kty, crv: o.ed25519.crv, x: o.ed25519.x }
  const xPubJwk = { kty: o.x25519.kty, crv: o.x25519.crv, x: o.x25519.x }
  const edPub = await crypto.subtle.importKey('jwk', edPubJwk, { name: 'Ed25519' }, true, ['verify'])
  const xPub = await crypto.subtle.importKey('jwk', xPubJwk, { name: 'X25519' }, true, [])
  return fromKeys({ privateKey: edPriv, publicKey: edPub }, { privateKey: xPriv, publicKey: xPub })
}

export function parseIdentity (text) {
  const bytes = b64.dec(text.trim())
  if (bytes.length !== 64) throw new Error('a chat identity is 64 bytes (86 base64url characters)')
  return bytes
}

async function verifyWith (edPub, signature, message) {
  const key = await crypto.subtle.importKey('raw', edPub, { name: 'Ed25519' }, false, ['verify'])
  return crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message)
}

async function signWith (id, message) {
  return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, id.sign.privateKey, message))
}

// ---- safety numbers ------------------------------------------------------------------------------------------
// 30 digits in 6 groups: SHA-256(domain ‖ identities), each 5-byte slice as a big-endian number mod 100000.

function digits (hash) {
  const groups = []
  for (let i = 0; i < 6; i++) {
    let n = 0n
    for (let j = 0; j < 5; j++) n = (n << 8n) | BigInt(hash[i * 5 + j])
    groups.push((n % 100000n).toString().padStart(5, '0'))
  }
  return groups.join(' ')
}

export async function fingerprint (identity) {
  return digits(await sha256(concat(te.encode('aegis-chat/v1/fingerprint'), identity)))
}

export async function safetyNumber (a, b) {
  const [lo, hi] = hex.enc(a) < hex.enc(b) ? [a, b] : [b, a]
  return digits(await sha256(concat(te.encode('aegis-chat/v1/safety'), lo, hi)))
}

// ---- ledger envelopes (signed; the node verifies them in consensus) ----------------------------------------------

const ENVELOPE_DOMAIN = te.encode('AEGIS/chat/v1')
const KIND = { create: 1, members: 2, message: 3 }

function envelopeSignBytes (kind, room, sender, body) {
  return concat(ENVELOPE_DOMAIN, Uint8Array.of(kind), room, sender, body)
}

function u16 (n) { return Uint8Array.of(n >> 8, n & 0xff) }

export async function signCreateRoom (id, name, memberIds) {
  const nameBytes = te.encode(name)
  if (nameBytes.length > 200) throw new Error('room name: at most 200 bytes')
  const members = [id.identity]
  for (const m of memberIds) if (!members.some(x => equal(x.subarray(0, 32), m.subarray(0, 32)))) members.push(m)
  const nonce = rand(16)
  const body = concat(Uint8Array.of(nameBytes.length), nameBytes, u16(members.length), ...members, nonce)
  const room = await sha256(concat(te.encode('AEGIS/chat/room'), id.identity.subarray(0, 32), body))
  const signature = await signWith(id, envelopeSignBytes(KIND.create, room, id.identity.subarray(0, 32), body))
  return { room: hex.enc(room), request: { name, members: members.slice(1).map(b64.url), creator: id.text, nonce: b64.enc(nonce), signature: b64.enc(signature) } }
}

export async function signMessageAppend (id, roomHex, cid) {
  const sig = await signWith(id, envelopeSignBytes(KIND.message, hex.dec(roomHex), id.identity.subarray(0, 32), cidBytes(cid)))
  return { cid, sender: id.text, signature: b64.enc(sig) }
}

export async function verifyMessageAppend (roomHex, cid, senderIdentity, signatureB64) {
  return verifyWith(senderIdentity.subarray(0, 32), b64.dec(signatureB64), envelopeSignBytes(KIND.message, hex.dec(roomHex), senderIdentity.subarray(0, 32), cidBytes(cid)))
}

// ---- CIDv1 (base32) to bytes, and checking a fetched raw block against its CID ------------------------------------

export function cidBytes (cid) {
  if (!cid.startsWith('b')) throw new Error('expected a base32 CIDv1')
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0; let value = 0; const out = []
  for (const c of cid.slice(1)) {
    const v = alphabet.indexOf(c)
    if (v < 0) throw new Error('bad base32 in CID')
    value = (value << 5) | v; bits += 5
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8 }
  }
  return Uint8Array.from(out)
}

export async function checkRawBlock (cid, bytes) {
  const b = cidBytes(cid)
  // 0x01 (CIDv1) 0x55 (raw) 0x12 (sha2-256) 0x20 (32 bytes) digest
  if (b.length !== 36 || b[0] !== 1 || b[1] !== 0x55 || b[2] !== 0x12 || b[3] !== 0x20) return false
  return equal(b.subarray(4), await sha256(bytes))
}

// ---- messages --------------------------------------------------------------------------------------------------

async function wrapKey (shared, room, eph, to) {
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: room, info: concat(te.encode('aegis-chat/v1/wrap'), eph, to) },
    ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

async function x25519 (privateKey, publicRaw) {
  const pub = await crypto.subtle.importKey('raw', publicRaw, { name: 'X25519' }, false, [])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, privateKey, 256))
}

async function signBytes (o, room, sender) {
  const parts = [te.encode('aegis-chat/v1/msg'), room, sender, b64.dec(o.eph), b64.dec(o.nonce), await sha256(b64.dec(o.ct))]
  for (const k of o.keys) parts.push(b64.dec(k.to), b64.dec(k.n), b64.dec(k.w))
  return concat(...parts)
}

/** Encrypts a payload ({text, ts, attachments}) for every member; returns the ciphertext object's bytes. */
export async function sealMessage (id, roomHex, members, payload) {
  const room = hex.dec(roomHex)
  const eph = await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])
  const ephPub = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey))
  const k = rand(32)
  const nonce = rand(12)
  const content = await crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['encrypt'])
  const aad = concat(te.encode('aegis-chat/v1/ct'), room, id.identity, ephPub)
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, content, te.encode(JSON.stringify(payload))))
  const keys = []
  for (const m of members) {
    const to = m.subarray(32, 64)
    const wk = await wrapKey(await x25519(eph.privateKey, to), room, ephPub, to)
    const n = rand(12)
    const w = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: n, additionalData: id.identity }, wk, k))
    keys.push({ to: b64.enc(to), n: b64.enc(n), w: b64.enc(w) })
  }
  const o = { v: 1, room: roomHex, sender: id.text, eph: b64.enc(ephPub), nonce: b64.enc(nonce), ct: b64.enc(ct), keys }
  o.sig = b64.enc(await signWith(id, await signBytes(o, room, id.identity)))
  return te.encode(JSON.stringify(o))
}

/** Verifies and decrypts a ciphertext object; throws an Error whose message says what failed. */
export async function openMessage (id, roomHex, bytes, ledgerSender) {
  let o
  try { o = JSON.parse(td.decode(bytes)) } catch { throw new Error('not a SecureChat ciphertext') }
  if (o.v !== 1 || o.room !== roomHex) throw new Error('ciphertext is for another room or protocol version')
  const sender = parseIdentity(o.sender)
  if (!equal(sender, ledgerSender)) throw new Error('the ciphertext names another sender than the ledger')
  const room = hex.dec(roomHex)
  if (!await verifyWith(sender.subarray(0, 32), b64.dec(o.sig), await signBytes(o, room, sender))) throw new Error("the sender's signature does not verify")
  const mine = o.keys.find(k => equal(b64.dec(k.to), id.identity.subarray(32, 64)))
  if (!mine) throw new Error('not encrypted for this member')
  const eph = b64.dec(o.eph)
  const wk = await wrapKey(await x25519(id.dh.privateKey, eph), room, eph, id.identity.subarray(32, 64))
  let k
  try {
    k = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b64.dec(mine.n), additionalData: sender }, wk, b64.dec(mine.w)))
  } catch { throw new Error('the message key does not decrypt (tampered or not for us)') }
  const content = await crypto.subtle.importKey('raw', k, 'AES-GCM', false, ['decrypt'])
  const aad = concat(te.encode('aegis-chat/v1/ct'), room, sender, eph)
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b64.dec(o.nonce), additionalData: aad }, content, b64.dec(o.ct))
    return JSON.parse(td.decode(plain))
  } catch { throw new Error('the ciphertext fails authentication (tampered)') }
}

// ---- attachments: each file under its own random key ---------------------------------------------------------------

const FILE_AAD = te.encode('aegis-chat/v1/file')

export async function sealFile (bytes) {
  const key = rand(32)
  const nonce = rand(12)
  const k = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt'])
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: FILE_AAD }, k, bytes))
  return { ct, key: b64.enc(key), nonce: b64.enc(nonce) }
}

export async function openFile (ct, keyB64, nonceB64) {
  const k = await crypto.subtle.importKey('raw', b64.dec(keyB64), 'AES-GCM', false, ['decrypt'])
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: b64.dec(nonceB64), additionalData: FILE_AAD }, k, ct))
  } catch { throw new Error('the attachment fails authentication (tampered)') }
}
