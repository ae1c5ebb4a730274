// A small SVG line chart: time on x (the last `windowMs`), values on y from 0 to a rounded maximum, one polyline per
// series, gaps where a value is missing. Written for this page; it draws a few hundred points once a second.

const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** 1, 2 or 5 times a power of ten, at least `v`: steps people can read. */
function niceStep(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function format(v) {
  return v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(v < 10 ? 1 : 0)}`;
}

/**
 * series: [{ name, color, points: [[timeMs, value|null], ...] }]; options: { now, windowMs, empty }.
 * Sets data-points on the svg to the number of drawn values (tests read it).
 */
export function lineChart(svg, series, { now, windowMs = 120_000, empty = 'no data yet' }) {
  const [W, H] = [640, 200];
  const m = { l: 44, r: 12, t: 22, b: 22 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  svg.replaceChildren();
  const from = now - windowMs;
  const visible = series.map(s => ({ ...s, points: s.points.filter(([t]) => t >= from && t <= now) }));
  const values = visible.flatMap(s => s.points.map(([, v]) => v)).filter(v => v !== null && v !== undefined);
  // Four gridlines at a readable step, the top one at or above the largest value.
  const step = niceStep(Math.max(0, ...values) / 4);
  const max = step * Math.max(1, Math.ceil(Math.max(0, ...values) / step));
  const x = t => m.l + ((t - from) / windowMs) * pw;
  const y = v => m.t + ph - (v / max) * ph;

  for (let v = 0; v <= max + step / 2; v += step) {
    svg.append(el('line', { class: 'axis', x1: m.l, x2: W - m.r, y1: y(v), y2: y(v) }));
    svg.append(el('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
  }
  for (let s = 0; s <= windowMs / 1000; s += 30) {
    svg.append(el('text', { x: x(now - s * 1000), y: H - 6, 'text-anchor': 'middle' }, s === 0 ? 'now' : `-${s}s`));
  }

  let drawn = 0;
  for (const s of visible) {
    let run = [];
    const flush = () => {
      if (run.length === 1) svg.append(el('circle', { cx: run[0][0], cy: run[0][1], r: 2, fill: s.color }));
      if (run.length > 1) svg.append(el('polyline', { points: run.map(p => p.join(',')).join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
      run = [];
    };
    for (const [t, v] of s.points) {
      if (v === null || v === undefined) { flush(); continue; }
      run.push([x(t).toFixed(1), y(v).toFixed(1)]);
      drawn++;
    }
    flush();
  }

  // Legend, right-aligned: swatch, gap, name; names measured roughly (11px text is about 6.5px a character).
  let lx = W - m.r;
  for (const s of [...visible].reverse()) {
    const textStart = lx - s.name.length * 6.5;
    svg.append(el('text', { x: lx, y: 13, 'text-anchor': 'end' }, s.name));
    svg.append(el('rect', { x: textStart - 14, y: 4, width: 10, height: 10, fill: s.color, rx: 2 }));
    lx = textStart - 26;
  }
  if (values.length === 0) svg.append(el('text', { class: 'empty', x: m.l + pw / 2, y: m.t + ph / 2, 'text-anchor': 'middle' }, empty));
  svg.dataset.points = String(drawn);
}
