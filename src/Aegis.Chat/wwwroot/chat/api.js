// The node's APIs as the UI uses them: the Kubo RPC subset under /ipfs-api (same origin, or nginx's proxy) and
// the chat REST under /v1/chat. Everything posted here is ciphertext or a signature.

async function fail (res) {
  let message = res.status + ' ' + res.statusText
  try { const body = await res.json(); message = body.message ?? body.Message ?? message } catch {}
  throw new Error(message)
}

export async function addBytes (bytes) {
  const form = new FormData()
  form.append('file', new Blob([bytes]), '')
  const res = await fetch('/ipfs-api/api/v0/add?cid-version=1&pin=true', { method: 'POST', body: form })
  if (!res.ok) await fail(res)
  const lines = (await res.text()).trim().split('\n').map(l => JSON.parse(l)).filter(l => l.Hash)
  return lines[lines.length - 1].Hash
}

export async function cat (cid) {
  const res = await fetch('/ipfs-api/api/v0/cat?arg=' + encodeURIComponent(cid), { method: 'POST' })
  if (!res.ok) await fail(res)
  return new Uint8Array(await res.arrayBuffer())
}

async function json (path, init) {
  const res = await fetch(path, init)
  if (!res.ok) await fail(res)
  return res.json()
}

const post = (body) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })

export const createRoom = (request) => json('/v1/chat/rooms', post(request))
export const roomsOf = (identity) => json('/v1/chat/rooms?member=' + encodeURIComponent(identity))
export const room = (id) => json('/v1/chat/rooms/' + id)
export const postMessage = (id, body) => json('/v1/chat/rooms/' + id + '/messages', post(body))
export const events = (id) => new EventSource('/v1/events?room=' + id + '&after=0')
