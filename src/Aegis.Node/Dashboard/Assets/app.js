// The live dashboard: one status snapshot per second over SSE (/v1/dashboard/stream), blocks as they commit
// (/v1/events), every block's certificate checked here (verify.js), charts drawn here (charts.js). Everything comes
// from this node; text from the network is only ever set as textContent.
import { Verifier, scope } from './verify.js';
import { lineChart } from './charts.js';

const RECENT_BLOCKS = 10;
const STALE_AFTER_MS = 3500;

const state = {
  snap: null,
  set: null,
  verifier: null,
  lastEventAt: 0,
  unreachableSince: null,
  blocks: new Map(),
  inFlight: new Set(),
};

const T = id => document.querySelector(`[data-testid="${id}"]`);

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const time = ms => new Date(ms).toLocaleTimeString([], { hour12: false });
const short = hash => (hash ?? '').slice(0, 12);
const num = v => (v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US'));

async function getJson(path, timeoutMs = 4000) {
  const r = await fetch(path, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { error: 'bad_json', message: text.slice(0, 200) }; }
  return { status: r.status, body };
}

function setConnection(kind, text) {
  const c = T('connection');
  c.dataset.state = kind;
  c.textContent = text;
}

function showBanner(kind, ...content) {
  const b = T('banner');
  if (!kind) { b.hidden = true; b.dataset.kind = ''; b.replaceChildren(); return; }
  b.hidden = false;
  b.dataset.kind = kind;
  b.replaceChildren(...content);
}

// ---- status ---------------------------------------------------------------------------------------------------

function render(snap) {
  state.snap = snap;
  const n = snap.node;
  T('node-id').textContent = n.node_id;
  T('chain-id').textContent = n.chain_id;
  document.title = `AEGIS · ${n.node_id} · ${num(n.height)}`;

  T('cluster-height').textContent = num(snap.cluster_height);
  const reachable = snap.validators.filter(v => v.health === 'up' || v.health === 'degraded').length;
  T('cluster-height-sub').textContent = `highest of ${reachable} reachable of ${snap.validators.length} validators`;
  T('node-height').textContent = num(n.height);
  T('node-sync').textContent = `${n.node_id} · ${n.sync_status}${snap.behind_by > 0 ? ` · ${snap.behind_by} behind` : ''}${n.ready ? '' : ' · not ready'}`;
  T('view').textContent = num(n.view);
  T('leader').textContent = `primary ${n.leader}${n.in_view_change ? ' · view change in progress' : ''} · ${num(n.view_changes)} view changes`;

  const last = snap.series.at(-1);
  const recent = snap.series.slice(-10);
  const avg = recent.length ? recent.reduce((a, p) => a + p.txs_per_s, 0) / recent.length : 0;
  T('txps').textContent = last ? num(Math.round(last.txs_per_s)) : '—';
  T('txps-sub').textContent = last ? `10 s average ${num(Math.round(avg))} · ${last.blocks_per_s} blocks/s` : 'waiting for the first second';
  T('latency').textContent = last?.latency_p50_ms != null ? `${num(Math.round(last.latency_p50_ms))} ms` : '—';
  T('latency-sub').textContent = last?.latency_p50_ms != null
    ? `p50 · p99 ${num(Math.round(last.latency_p99_ms))} ms${last.block_latency_ms != null ? ` · proposal→commit ${num(Math.round(last.block_latency_ms))} ms` : ''}`
    : 'no transaction submitted to this node in the last second';
  T('alert-count').textContent = String(snap.alerts.length);
  T('mempool').textContent = `mempool ${num(n.mempool_size)} · ${num(n.txs_committed)} txs committed since start`;

  renderValidators(snap);
  renderAlerts(snap.alerts);
  renderViewChanges(snap.view_changes);
  renderCharts(snap);
  if (!state.unreachableSince) renderHealthBanner(snap);
  catchUpBlocks(n.height);
}

function renderValidators(snap) {
  const rows = snap.validators.map(v => {
    const stale = v.last_seen_ms_ago != null && v.last_seen_ms_ago > 3000;
    const p2p = v.self ? 'this node' : v.p2p_connected ? `connected${v.rtt_ms != null ? ` · ${v.rtt_ms.toFixed(1)} ms` : ''}` : 'not connected';
    return h('tr', { 'data-validator': v.id, 'data-health': v.health, class: v.self ? 'self' : '' },
      h('td', {}, v.index),
      h('td', {}, v.api_url ? h('a', { href: v.api_url + '/' }, v.id) : v.id),
      h('td', { class: `role-${v.role}` }, v.role),
      h('td', {}, h('span', { class: `badge ${v.health}`, 'data-testid': `health-${v.id}` }, v.health)),
      h('td', { 'data-testid': `height-${v.id}` }, num(v.height), stale ? h('span', { class: 'muted small' }, ' (last seen)') : null),
      h('td', {}, num(v.view)),
      h('td', {}, num(v.peers)),
      h('td', {}, p2p),
      h('td', { class: 'detail' }, v.health_reason ?? (v.sync_status === 'syncing' ? 'syncing' : '')));
  });
  T('validators').tBodies[0].replaceChildren(...rows);
  T('observers').textContent = snap.observers.length ? `Observers connected: ${snap.observers.map(o => `${o.id} (${o.address})`).join(', ')}` : '';
}

function renderAlerts(alerts) {
  const list = alerts.map(a => h('li', { class: a.severity, 'data-alert': a.name, 'data-subject': a.subject ?? '' },
    h('strong', {}, a.name), ` — ${a.summary} `, h('span', { class: 'muted small' }, `since ${time(a.since_ms)}`)));
  T('alerts').replaceChildren(...(list.length ? list : [h('li', { class: 'muted' }, 'none')]));
}

function renderViewChanges(changes) {
  const list = [...changes].reverse().map(c => h('li', { 'data-view': c.to_view },
    h('span', { class: 'muted' }, time(c.at_ms)), ` view ${c.from_view} → ${c.to_view} at height ${num(c.height)}, primary ${c.leader}`));
  T('view-changes').replaceChildren(...(list.length ? list : [h('li', { class: 'muted' }, 'none since this node started')]));
}

function renderCharts(snap) {
  const now = snap.at_ms;
  const pts = key => snap.series.map(p => [p.t, p[key]]);
  lineChart(T('chart-txps'), [{ name: 'tx/s', color: '#2f6fdf', points: pts('txs_per_s') }], { now, empty: 'no commits yet' });
  lineChart(T('chart-latency'), [
    { name: 'submit→commit p50', color: '#2f6fdf', points: pts('latency_p50_ms') },
    { name: 'p99', color: '#e07b00', points: pts('latency_p99_ms') },
    { name: 'proposal→commit', color: '#1f9d55', points: pts('block_latency_ms') },
  ], { now, empty: 'no commits yet' });
}

function renderHealthBanner(snap) {
  const n = snap.node;
  if (snap.behind_by > 2 || n.sync_status === 'syncing') {
    showBanner('behind', `This node is behind: it is at height ${num(n.height)}, the cluster is at ${num(snap.cluster_height)} (${num(snap.behind_by)} blocks). It is catching up; its answers may be out of date.`);
  } else if (!n.ready) {
    showBanner('behind', `This node is not ready: ${n.not_ready_reason}.`);
  } else {
    showBanner(null);
  }
}

// ---- connection ------------------------------------------------------------------------------------------------

function startStreams() {
  const status = new EventSource('/v1/dashboard/stream');
  status.addEventListener('status', e => {
    state.lastEventAt = Date.now();
    if (state.unreachableSince) showBanner(null);
    state.unreachableSince = null;
    setConnection('live', 'live');
    render(JSON.parse(e.data));
  });
  status.onerror = () => setConnection('reconnecting', 'reconnecting…');

  const blocks = new EventSource('/v1/events');
  blocks.addEventListener('block', e => addBlock(JSON.parse(e.data).height));
}

async function watchdog() {
  if (!state.lastEventAt || Date.now() - state.lastEventAt < STALE_AFTER_MS) return;
  let alive = false;
  try { alive = (await fetch('/health', { signal: AbortSignal.timeout(1500), cache: 'no-store' })).ok; } catch { alive = false; }
  if (Date.now() - state.lastEventAt < STALE_AFTER_MS) return;
  const age = Math.round((Date.now() - state.lastEventAt) / 1000);
  if (alive) {
    setConnection('stale', `no update for ${age} s`);
    return;
  }
  state.unreachableSince ??= state.lastEventAt;
  setConnection('unreachable', 'unreachable');
  const others = (state.snap?.validators ?? []).filter(v => !v.self && v.api_url && v.health !== 'down');
  showBanner('unreachable',
    `This node is unreachable since ${time(state.unreachableSince)} (${age} s): everything below is the last it sent. `,
    others.length ? h('span', {}, 'Try another validator: ', ...others.flatMap((v, i) => [i ? ', ' : '', h('a', { href: v.api_url + '/' }, v.id)])) : 'Retrying…');
}

// ---- blocks ----------------------------------------------------------------------------------------------------

async function fetchBlock(height, timeoutMs) {
  const r = await getJson(`/v1/blocks/${height}`, timeoutMs);
  return r.status === 200 ? r.body : null;
}

async function verify(block) {
  if (!state.verifier) {
    return { ok: false, state: 'unverifiable', checks: [], summary: 'not checked: WebCrypto is only available on https or localhost pages' };
  }
  try {
    return await state.verifier.verifyBlock(block);
  } catch (e) {
    return { ok: false, state: 'failed', checks: [{ name: 'decoding', ok: false, detail: String(e) }], summary: String(e) };
  }
}

/** previous_hash against the block below it, when both are here. */
function linkCheck(entry) {
  const below = state.blocks.get(entry.block.height - 1);
  if (!below?.block) return;
  const ok = entry.block.header.previous_hash === below.block.hash;
  entry.result.checks = entry.result.checks.filter(c => c.name !== 'chain link');
  entry.result.checks.push({ name: 'chain link', ok, detail: `previous_hash ${ok ? 'is' : 'is not'} the hash of block ${below.block.height}` });
  if (!ok) { entry.result.ok = false; entry.result.state = 'failed'; entry.result.summary = 'chain link broken'; }
}

async function addBlock(height) {
  const newest = Math.max(0, ...state.blocks.keys());
  if (state.blocks.has(height) || state.inFlight.has(height) || height <= newest - RECENT_BLOCKS) return;
  state.inFlight.add(height);
  try {
    const block = await fetchBlock(height);
    if (!block) return;
    const entry = { block, result: await verify(block) };
    state.blocks.set(height, entry);
    linkCheck(entry);
    const above = state.blocks.get(height + 1);
    if (above) linkCheck(above);
    for (const k of [...state.blocks.keys()].sort((a, b) => b - a).slice(RECENT_BLOCKS)) state.blocks.delete(k);
    renderBlocks();
  } catch {
    // The node went away mid-fetch: the watchdog says so; the block is fetched again on the next status.
  } finally {
    state.inFlight.delete(height);
  }
}

function catchUpBlocks(tip) {
  for (let h = tip; h > 0 && h > tip - RECENT_BLOCKS; h--) addBlock(h);
}

function certBadge(result) {
  const text = { verified: `✓ verified · ${result.valid} sigs, quorum ${result.quorum}`, failed: '✗ failed', unverifiable: 'not checked', checking: 'checking…' }[result.state];
  return h('span', { class: `badge ${result.state}`, title: result.summary }, text);
}

function renderBlocks() {
  const rows = [...state.blocks.values()].sort((a, b) => b.block.height - a.block.height).map(({ block: b, result }) =>
    h('tr', { 'data-height': b.height, 'data-cert': result.state, onclick: () => showBlock(b, result), class: 'clickable' },
      h('td', {}, num(b.height)),
      h('td', { class: 'mono', title: b.hash }, short(b.hash)),
      h('td', {}, b.txs.length),
      h('td', {}, b.header.view),
      h('td', {}, b.header.proposer),
      h('td', {}, time(b.header.timestamp_ms)),
      h('td', {}, certBadge(result))));
  T('blocks').tBodies[0].replaceChildren(...rows);
}

// ---- search ----------------------------------------------------------------------------------------------------

function dl(pairs) {
  return h('dl', {}, ...pairs.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? 'mono' : '' }, v ?? '—')]));
}

function checksList(result) {
  return h('ul', { class: 'checks' }, ...result.checks.map(c => h('li', { class: c.ok ? 'ok' : 'bad' }, h('strong', {}, c.name), `: ${c.detail}`)));
}

function showResult(kind, ...content) {
  T('search-result').replaceChildren(h('div', { class: 'result', 'data-kind': kind }, ...content));
}

function showBlock(b, result) {
  showResult('block',
    h('h3', {}, `Block ${num(b.height)} `, certBadge(result)),
    dl([['hash', b.hash], ['previous', b.header.previous_hash], ['proposer', b.header.proposer], ['view', String(b.header.view)],
      ['time', new Date(b.header.timestamp_ms).toISOString()], ['transactions', String(b.txs.length)], ['tx root', b.header.tx_root], ['state root', b.header.state_root],
      ['signed by', b.certificate.signatures.map(s => s.validator).join(', ')]]),
    checksList(result),
    b.txs.length ? h('p', { class: 'muted small' }, `First transactions: ${b.txs.slice(0, 5).map(t => `${t.op} ${t.key}`).join(', ')}${b.txs.length > 5 ? ', …' : ''}`) : null);
}

// A search is one request a person waits for: on a loaded node it should arrive late rather than fail. The 4 s
// default is for the background polls, which decide "unreachable" (a CI run on a loaded 2-core machine once took over
// 4 s to answer a block lookup during a view change).
const SEARCH_TIMEOUT_MS = 15000;

async function search(q) {
  q = q.trim();
  if (!q) return;
  showResult('pending', 'searching…');
  try {
    if (/^\d+$/.test(q)) {
      const b = await fetchBlock(q, SEARCH_TIMEOUT_MS);
      return b ? showBlock(b, await verify(b)) : showResult('none', `No block at height ${q} on this node (tip ${num(state.snap?.node.height)}).`);
    }
    if (/^[0-9a-fA-F]{64}$/.test(q)) {
      const r = await getJson(`/v1/tx/${q.toLowerCase()}`, SEARCH_TIMEOUT_MS);
      if (r.status === 200) {
        const t = r.body;
        const b = await fetchBlock(t.height, SEARCH_TIMEOUT_MS);
        const result = b ? await verify(b) : null;
        return showResult('tx',
          h('h3', {}, 'Transaction ', result ? certBadge(result) : null),
          dl([['hash', t.tx_hash], ['op', t.tx.op], ['key', t.tx.key], ['value', t.tx.value ?? undefined], ['client id', t.tx.id ?? undefined],
            ['outcome', t.outcome], ['block', `${num(t.height)} (${short(t.block_hash)}…), index ${t.index}`]]),
          result ? h('p', { class: 'muted small' }, `Its block's certificate, checked here: ${result.summary}`) : null);
      }
    }
    const path = q.split('/').map(encodeURIComponent).join('/');
    const r = await getJson(`/v1/kv/${path}`, SEARCH_TIMEOUT_MS);
    if (r.status === 200) {
      return showResult('key', h('h3', {}, 'Key'), dl([['key', r.body.key], ['value', r.body.value], ['last written at height', num(r.body.height)]]),
        h('p', { class: 'muted small' }, 'The value as this node has applied it (not checked against a certificate in this page).'));
    }
    showResult('none', `Nothing found for “${q}”: ${r.body?.message ?? `HTTP ${r.status}`}`);
  } catch (e) {
    showResult('error', `Search failed: ${e.message} — is the node reachable?`);
  }
}

// ---- start -----------------------------------------------------------------------------------------------------

async function start() {
  document.getElementById('search').addEventListener('submit', e => { e.preventDefault(); search(new FormData(e.target).get('q')); });
  setInterval(watchdog, 1000);
  try {
    const set = await getJson('/v1/validators');
    state.set = set.body;
    state.verifier = await Verifier.create(set.body);
    T('verification-scope').textContent = (state.verifier ? '' : 'Not checked in this browser: WebCrypto is available only on https or localhost pages. ') +
      scope + ` Validator set: ${set.body.validators.length} validators, quorum ${set.body.quorum}, genesis ${set.body.genesis_hash}.`;
    const first = await getJson('/v1/dashboard');
    if (first.status === 200) { state.lastEventAt = Date.now(); setConnection('live', 'live'); render(first.body); }
  } catch (e) {
    setConnection('unreachable', 'unreachable');
    showBanner('unreachable', `This node does not answer (${e.message}). Retrying…`);
    state.unreachableSince = Date.now();
    state.lastEventAt = Date.now();
  }
  startStreams();
}

start();
