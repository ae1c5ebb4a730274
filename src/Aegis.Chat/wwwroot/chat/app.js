// SecureChat UI: keys live in this browser (localStorage); the node sees only ciphertext, CIDs and signatures.
import * as c from './crypto.js'
import * as api from './api.js'

const $ = (id) => document.getElementById(id)
const KEY = 'aegis-chat-identity-v1'
let me
let current = null // { id, room, source }

function status (text, bad) {
  $('status').textContent = text
  $('status').className = bad ? 'bad' : 'muted'
}

async function loadIdentity () {
  const saved = localStorage.getItem(KEY)
  if (saved) return c.importIdentity(saved)
  const id = await c.generateIdentity()
  localStorage.setItem(KEY, await c.exportIdentity(id))
  return id
}

function shortName (identity) { return c.b64.url(identity).slice(0, 8) }

async function refreshRooms () {
  const rooms = await api.roomsOf(me.text)
  const list = $('rooms')
  list.replaceChildren(...rooms.map(r => {
    const li = document.createElement('li')
    li.textContent = r.name
    li.dataset.room = r.room_id
    li.dataset.testid = 'room'
    if (current && current.id === r.room_id) li.className = 'active'
    li.onclick = () => openRoom(r.room_id)
    return li
  }))
}

async function openRoom (id) {
  if (current?.source) current.source.close()
  const room = await api.room(id)
  current = { id, room, seen: new Set(), pending: new Map() }
  history.replaceState(null, '', '#room=' + id)
  $('room').hidden = false
  $('room-title').textContent = room.name
  $('room-id').textContent = id
  $('messages').replaceChildren()
  const members = room.members.map(m => c.parseIdentity(m))
  current.members = members
  $('members').replaceChildren(...await Promise.all(members.map(async m => {
    const li = document.createElement('li')
    li.dataset.testid = 'member'
    const self = c.b64.url(m) === me.text
    li.innerHTML = `<span></span> — safety number <code></code>`
    li.querySelector('span').textContent = (self ? 'you ' : '') + shortName(m) + (c.b64.url(m) === room.creator ? ' (creator)' : '')
    li.querySelector('code').textContent = self ? await c.fingerprint(m) : await c.safetyNumber(me.identity, m)
    return li
  })))
  await refreshRooms()
  const source = api.events(id)
  current.source = source
  source.addEventListener('message', (e) => showMessage(JSON.parse(e.data)))
  source.onerror = () => status('event stream interrupted; reconnecting…', true)
  source.onopen = () => status('connected to room')
}

function messageItem (index) {
  let li = document.querySelector(`#messages li[data-index="${index}"]`)
  if (!li) {
    li = document.createElement('li')
    li.dataset.index = index
    const after = [...$('messages').children].find(x => Number(x.dataset.index) > index)
    $('messages').insertBefore(li, after ?? null)
  }
  return li
}

async function showMessage (m) {
  if (!current || current.seen.has(m.index)) return
  current.seen.add(m.index)
  const li = messageItem(m.index)
  const sender = c.parseIdentity(m.sender)
  const mine = m.sender === me.text
  try {
    if (!await c.verifyMessageAppend(current.id, m.cid, sender, m.signature)) throw new Error('the ledger entry is not signed by its sender')
    const bytes = await api.cat(m.cid)
    if (!await c.checkRawBlock(m.cid, bytes)) throw new Error('the store returned bytes that do not match the CID')
    const payload = await c.openMessage(me, current.id, bytes, sender)
    li.className = mine ? 'mine' : ''
    li.dataset.testid = 'message'
    li.innerHTML = '<div class="body"></div><div class="meta"></div>'
    li.querySelector('.body').textContent = payload.text
    li.querySelector('.meta').innerHTML = `<span class="ok">✓ verified</span> · <span class="who"></span> · #${m.index} at height ${m.height} · ${new Date(m.timestamp_ms).toLocaleTimeString()}`
    li.querySelector('.who').textContent = mine ? 'you' : shortName(sender)
    for (const a of payload.attachments ?? []) li.querySelector('.body').after(attachmentLink(a))
    // For measurements (bench/compare-ipfs.sh): the moment a message is verified and readable on this page.
    window.dispatchEvent(new CustomEvent('chat-message', { detail: { index: m.index, text: payload.text } }))
    const pending = current.pending.get(m.cid)
    if (pending) { pending.remove(); current.pending.delete(m.cid) }
  } catch (err) {
    li.className = 'rejected'
    li.dataset.testid = 'message-rejected'
    li.textContent = `✗ message #${m.index} rejected: ${err.message}`
  }
}

function attachmentLink (a) {
  const wrap = document.createElement('div')
  const link = document.createElement('span')
  link.className = 'attachment'
  link.dataset.testid = 'attachment'
  link.textContent = `📎 ${a.name} (${a.size} bytes)`
  link.onclick = async () => {
    try {
      const plain = await c.openFile(await api.cat(a.cid), a.key, a.nonce)
      const url = URL.createObjectURL(new Blob([plain], { type: a.type || 'application/octet-stream' }))
      const save = document.createElement('a')
      save.href = url
      save.download = a.name
      save.textContent = ' save'
      link.after(save)
      if ((a.type || '').startsWith('text/')) {
        const pre = document.createElement('pre')
        pre.dataset.testid = 'attachment-text'
        pre.textContent = new TextDecoder().decode(plain)
        save.after(pre)
      }
    } catch (err) {
      link.textContent += ` — ✗ ${err.message}`
      link.classList.add('bad')
    }
  }
  wrap.append(link)
  return wrap
}

async function send (event) {
  event.preventDefault()
  if (!current) return
  const text = $('text').value
  const file = $('file').files[0]
  if (!text && !file) return
  const pending = document.createElement('li')
  pending.className = 'mine'
  pending.dataset.testid = 'pending'
  pending.innerHTML = '<div class="body"></div><div class="meta">encrypting…</div>'
  pending.querySelector('.body').textContent = text
  $('messages').append(pending)
  $('text').value = ''
  $('file').value = ''
  try {
    const attachments = []
    if (file) {
      const sealed = await c.sealFile(new Uint8Array(await file.arrayBuffer()))
      pending.querySelector('.meta').textContent = 'storing attachment…'
      attachments.push({ cid: await api.addBytes(sealed.ct), key: sealed.key, nonce: sealed.nonce, name: file.name, type: file.type, size: file.size })
    }
    const bytes = await c.sealMessage(me, current.id, current.members, { text, ts: Date.now(), attachments })
    pending.querySelector('.meta').textContent = 'storing ciphertext…'
    const cid = await api.addBytes(bytes)
    current.pending.set(cid, pending)
    pending.querySelector('.meta').textContent = 'ordering on the ledger…'
    const r = await api.postMessage(current.id, await c.signMessageAppend(me, current.id, cid))
    pending.querySelector('.meta').textContent = `ordered at height ${r.height} as #${r.index}`
  } catch (err) {
    pending.className = 'rejected'
    pending.querySelector('.meta').textContent = '✗ not sent: ' + err.message
  }
}

async function createRoom (event) {
  event.preventDefault()
  try {
    const members = $('room-members').value.split('\n').map(s => s.trim()).filter(Boolean).map(c.parseIdentity)
    const signed = await c.signCreateRoom(me, $('room-name').value, members)
    status('creating room on the ledger…')
    const r = await api.createRoom(signed.request)
    $('room-name').value = ''
    $('room-members').value = ''
    status('room created at height ' + r.height)
    await openRoom(r.room_id)
  } catch (err) {
    status('room not created: ' + err.message, true)
  }
}

async function main () {
  if (!crypto.subtle || !window.isSecureContext) {
    status('this page needs a secure context (https or localhost) for WebCrypto', true)
    return
  }
  me = await loadIdentity()
  $('my-identity').value = me.text
  $('my-fingerprint').textContent = await c.fingerprint(me.identity)
  $('new-room').onsubmit = createRoom
  $('composer').onsubmit = send
  await refreshRooms()
  setInterval(() => refreshRooms().catch(() => {}), 3000)
  const linked = /room=([0-9a-f]{64})/.exec(location.hash)
  if (linked) await openRoom(linked[1])
  document.body.dataset.ready = 'true'
}

main().catch(err => status(err.message, true))
