// End-to-end SecureChat latency: member A (a Chromium page on node A) sends at RATE messages/s through the UI;
// member B (another context, on node B) records when each message is verified and decrypted on its page.
// Latency = B's decrypt time − A's send time (one machine, one clock). Prints one JSON line.
import { chromium } from 'playwright-core'

const [urlA, urlB, rateArg, countArg] = process.argv.slice(2)
const rate = Number(rateArg ?? 20)
const count = Number(countArg ?? 200)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
try {
  const a = await (await browser.newContext()).newPage()
  const b = await (await browser.newContext()).newPage()
  await a.goto(urlA + '/chat/'); await b.goto(urlB + '/chat/')
  await a.waitForSelector('body[data-ready=true]'); await b.waitForSelector('body[data-ready=true]')
  await a.fill('[data-testid=room-name]', 'bench')
  await a.fill('[data-testid=room-members]', await b.inputValue('[data-testid=my-identity]'))
  await a.click('[data-testid=create-room]')
  await a.waitForFunction(() => document.getElementById('room-id').textContent.length === 64)
  const room = await a.textContent('[data-testid=room-id]')
  await b.waitForSelector(`[data-testid=room][data-room='${room}']`, { timeout: 20000 })
  await b.click(`[data-testid=room][data-room='${room}']`)
  await b.waitForFunction(() => document.getElementById('room-id').textContent.length === 64)
  await b.evaluate(() => { window.__seen = {}; window.addEventListener('chat-message', e => { window.__seen[e.detail.text] = Date.now() }) })
  const sentAt = {}
  const start = Date.now()
  for (let i = 0; i < count; i++) {
    const due = start + i * 1000 / rate
    const wait = due - Date.now()
    if (wait > 0) await new Promise(r => setTimeout(r, wait))
    const text = 'bench-' + i
    sentAt[text] = Date.now()
    await a.fill('[data-testid=message-text]', text)
    await a.click('[data-testid=send]')
  }
  const sendSeconds = (Date.now() - start) / 1000
  await b.waitForFunction((n) => Object.keys(window.__seen).length >= n, count, { timeout: 120000 })
  const seen = await b.evaluate(() => window.__seen)
  const lat = Object.keys(sentAt).map(t => seen[t] - sentAt[t]).sort((x, y) => x - y)
  const q = (p) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)]
  console.log(JSON.stringify({ messages: count, offeredRate: rate, achievedRate: count / sendSeconds, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] }))
} finally {
  await browser.close()
}
