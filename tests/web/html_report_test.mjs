// html_report_test.mjs MAILLENS SAMPLE_LOG CORPUS_LOG WORKDIR ARTIFACTS - opens
// maillens's HTML report in headless Debian chromium (playwright-core, no
// browser download) and checks, on the bundled real-Postfix sample and a
// corpus log (pixelpark, 3 days, with -e and --insights):
//  1. it renders offline: every request is intercepted, none may leave
//     file://; no console error (a CSP violation is one), no page error;
//  2. every section of the text report of the same log is there, in the same
//     order, with the same title, as a <table> (or "none" where the text
//     says none); the title names the log's host and date range;
//  3. every figure of every table (data-v: the exact value) equals the JSON
//     report of the same log; counts are shown as numbers, bytes with a
//     unit, the reject percentage next to the rejected count; per-hour
//     daily averages as the text report rounds them;
//  4. the charts (hourly, top domains, failing destinations: deferred
//     domains and bouncing relays, latency) carry the JSON's figures;
//  5. on a phone viewport (390x844) the page does not scroll sideways;
//  6. a log whose HELO, sender, warning and host carry <script>/<img onerror>
//     shows that text literally and runs nothing;
//  screenshots (desktop and phone) are saved in ARTIFACTS.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [maillens, sampleLog, corpusLog, work, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
let failures = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : ': ' + detail}`);
  if (!ok) failures++;
}
const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
// --year pins the year of traditional timestamps (no wall clock involved).
function report(log, format, file, extra) {
  execFileSync(maillens, ['report', '--year', '2026', ...extra, '--format', format, '-o', file, log], { env });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function open(htmlFile, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const state = { dialogs: [], external: [], errors: [], console: [] };
  page.on('dialog', async (d) => { state.dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => state.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') state.console.push(m.text()); });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === pathToFileURL(htmlFile).href) return route.continue();
    state.external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
  await page.waitForTimeout(300);  // time for anything deferred to run
  return { page, context, state };
}

// The text report's section titles in order: a line underlined with dashes,
// or "TITLE: none".
function textSections(text) {
  const lines = text.split('\n'), out = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trimEnd();
    if (i + 1 < lines.length && /^-+$/.test(lines[i + 1]) && lines[i + 1].length === lines[i].length && l) {
      out.push({ title: l, none: false });
    } else if (/^\S.*: none$/.test(l) && (i === 0 || lines[i - 1] === '')) {
      out.push({ title: l.slice(0, -': none'.length), none: true });
    }
  }
  return out;
}

// The text of the first element matching `sel` ('' if none).
const textOf = async (page, sel) => (await page.$$eval(sel, (es) => es.map((e) => e.innerText)))[0] ?? '';
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const near = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)) + 1e-9;
const firstDiff = (a, b) => {
  if (!a) return 'section missing';
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if (!same(a[i], b[i])) return `row ${i}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])} (${a.length} vs ${b.length} rows)`;
  return '';
};

// The rows of a section's table: for each <tr> in <tbody>, its cells as
// numbers (data-v) or text (td.k, row header).
async function rows(page, id) {
  if (!(await page.$(`section#${id}[data-title]`))) return null;
  return page.$$eval(`section#${id} table tbody tr:not(.grp)`, (trs) => trs.map((tr) =>
    [...tr.children].map((c) => (c.dataset.v !== undefined ? Number(c.dataset.v) : c.textContent))));
}
// The groups of a nested section: [key(s), total, [[count, text]...]].
async function groups(page, id) {
  if (!(await page.$(`section#${id}[data-title]`))) return null;
  return page.$$eval(`section#${id} table tbody`, (bodies) => bodies.map((b) => ({
    stage: b.dataset.stage, key: b.dataset.key, total: Number(b.dataset.total),
    rows: [...b.querySelectorAll('tr:not(.grp)')].map((tr) => [tr.children[1]?.textContent, Number(tr.children[0]?.dataset.v)]),
  })));
}

async function checkPage(name, log, extra, expectHost) {
  const html = path.join(work, `${name}.html`), json = path.join(work, `${name}.json`), txt = path.join(work, `${name}.txt`);
  report(log, 'html', html, extra);
  report(log, 'json', json, extra);
  report(log, 'text', txt, extra);
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  const text = readFileSync(txt, 'utf8');
  const { page, context, state } = await open(html, { viewport: { width: 1280, height: 900 } });
  check(`${name}: no external request`, state.external.length === 0, state.external.join(' '));
  check(`${name}: no page error`, state.errors.length === 0, state.errors.join(' '));
  check(`${name}: no console error or warning`, state.console.length === 0, state.console.join(' | '));
  check(`${name}: no <pre> dump of the text report`, (await page.$$('pre')).length === 0, '');

  // Title: host and date range.
  const title = await page.title();
  const dates = doc.per_day.map((d) => d.date);
  check(`${name}: title names host ${expectHost}`, title.includes(expectHost), title);
  check(`${name}: title has the date range`, dates.length > 0 && title.includes(dates[0]) &&
        title.includes(dates[dates.length - 1]), `${title} vs ${dates[0]}..${dates[dates.length - 1]}`);
  check(`${name}: h1 = title`, (await textOf(page, 'h1')) === title, '');

  // Sections: those of the text report, in its order, each a table or "none".
  const want = textSections(text);
  const got = await page.$$eval('section[data-title]', (ss) => ss.map((s) => ({
    title: s.dataset.title, heading: s.querySelector('h2')?.textContent,
    tables: s.querySelectorAll('table').length, none: !!s.querySelector('p.none'),
  })));
  check(`${name}: ${want.length} sections as in the text report`,
        same(got.map((g) => g.title), want.map((w) => w.title)),
        firstDiff(got.map((g) => g.title), want.map((w) => w.title)));
  const badSections = got.filter((g, i) => !want[i] || g.heading !== g.title ||
                                  (want[i].none ? !(g.none && g.tables === 0) : !(g.tables >= 1 && !g.none)));
  check(`${name}: each section a <table> (or none where the text says none)`,
        got.length === want.length && badSections.length === 0,
        JSON.stringify(badSections.slice(0, 3)));

  // Grand totals.
  const gt = doc.grand_totals;
  const totals = await page.$$eval('#totals tr[data-key]', (trs) => trs.map((tr) => {
    const c = tr.querySelector('td[data-v]');
    return [tr.dataset.key, Number(c?.dataset.v), c?.textContent];
  }));
  const keys = ['received', 'delivered', 'forwarded', 'deferred', 'deferrals', 'bounced', 'rejected',
                'reject_warnings', 'held', 'discarded', 'bytes_received', 'bytes_delivered', 'senders',
                'sending_domains', 'recipients', 'recipient_domains'];
  check(`${name}: grand totals = JSON grand_totals (16 figures)`,
        same(totals.map((t) => t[0]), keys) && totals.every(([k, v]) => gt[k] === v),
        JSON.stringify(totals.filter(([k, v]) => gt[k] !== v)));
  const bytesShown = totals.filter(([k]) => k.startsWith('bytes_'));
  check(`${name}: bytes shown with a unit`, bytesShown.every(([, v, t]) => /^\d+(\.\d)? (B|KiB|MiB|GiB|TiB)$/.test(t)) &&
        bytesShown.some(([, v, t]) => v < 1024 || !t.endsWith(' B')), JSON.stringify(bytesShown));
  const counts = totals.filter(([k]) => !k.startsWith('bytes_'));
  check(`${name}: counts shown as numbers`, counts.length === 14 && counts.every(([, v, t]) => Number(t.replace(/\s/g, '')) === v), '');
  const pct = await page.$$eval('#grand-totals td.pct', (ts) => ts.map((t) => [t.dataset.key, Number(t.dataset.v), t.textContent]));
  check(`${name}: reject and discard percentages = JSON`,
        same(pct, [['rejected_percent', gt.rejected_percent, `${gt.rejected_percent}%`],
                   ['discarded_percent', gt.discarded_percent, `${gt.discarded_percent}%`]]), JSON.stringify(pct));
  const card = (await page.$$eval('#overview [data-key=rejected_percent]', (cs) => cs.map((c) => Number(c.dataset.v))))[0];
  check(`${name}: overview shows the reject percentage`, card === gt.rejected_percent, String(card));
  if (doc.smtpd) {
    const sm = await page.$$eval('#smtpd-totals tr[data-key]', (trs) => Object.fromEntries(trs.map((tr) =>
      [tr.dataset.key, Number(tr.querySelector('td')?.dataset.v)])));
    check(`${name}: smtpd totals = JSON smtpd`, sm.connections === doc.smtpd.connections &&
          sm.hosts_domains === doc.smtpd.hosts_domains && sm.seconds === doc.smtpd.seconds, JSON.stringify(sm));
  }

  // Traffic.
  const cols = ['received', 'delivered', 'deferred', 'bounced', 'rejected'];
  if (doc.days > 1) {
    const pd = await rows(page, 'per-day-traffic');
    const wantPd = doc.per_day.map((d) => [d.date, ...cols.map((c) => d[c])]);
    check(`${name}: per-day traffic = JSON per_day`, same(pd, wantPd), firstDiff(pd, wantPd));
  }
  const ph = (await rows(page, 'per-hour-traffic')) ?? [];
  const wantPh = doc.per_hour.map((h) => cols.map((c) => h[c]));
  check(`${name}: per-hour traffic = JSON per_hour (24 rows)`, ph.length === 24 && same(ph.map((r) => r.slice(1)), wantPh),
        firstDiff(ph.map((r) => r.slice(1)), wantPh));
  const shown = await page.$$eval('section#per-hour-traffic tbody td', (ts) => ts.map((t) => Number(t.textContent.replace(/\s/g, ''))));
  const wantShown = wantPh.flat().map((v) => (doc.days > 1 ? Math.trunc(v / doc.days + 0.5) : v));
  check(`${name}: per-hour cells show ${doc.days > 1 ? 'daily averages' : 'totals'} as the text report`,
        same(shown, wantShown), firstDiff(shown, wantShown));

  // Domains.
  const rd = await rows(page, 'recipient-domains');
  const wantRd = doc.recipient_domains.map((d) => [d.delivered, d.bytes, d.deferred, d.avg_delay, d.max_delay, d.domain]);
  check(`${name}: recipient domains = JSON recipient_domains (${wantRd.length})`, rd !== null && rd.length === wantRd.length &&
        rd.every((r, i) => r[5] === wantRd[i][5] && r.slice(0, 3).every((v, j) => v === wantRd[i][j]) &&
                 near(r[3], wantRd[i][3]) && near(r[4], wantRd[i][4])), firstDiff(rd, wantRd));
  const sd = await rows(page, 'sending-domains');
  const wantSd = doc.sending_domains.map((d) => [d.messages, d.bytes, d.domain]);
  check(`${name}: sending domains = JSON sending_domains (${wantSd.length})`, same(sd, wantSd), firstDiff(sd, wantSd));

  if (doc.smtpd) {
    if (doc.days > 1) {
      const spd = await rows(page, 'smtpd-per-day');
      const w = doc.smtpd.per_day.map((d) => [d.date, d.connections, d.seconds, Math.trunc(d.seconds / d.connections + 0.5), d.max_seconds]);
      check(`${name}: smtpd per day = JSON smtpd.per_day`, same(spd, w), firstDiff(spd, w));
    }
    const sph = (await rows(page, 'smtpd-per-hour')) ?? [[0, 'missing']];
    const w = doc.smtpd.per_hour.filter((h) => h.connections > 0).map((h) => doc.days > 1
      ? [h.connections, h.seconds] : [h.connections, h.seconds, Math.trunc(h.seconds / h.connections + 0.5), h.max_seconds]);
    check(`${name}: smtpd per hour = JSON smtpd.per_hour`, same(sph.map((r) => r.slice(1)), w), firstDiff(sph.map((r) => r.slice(1)), w));
    const spdom = await rows(page, 'smtpd-domains');
    const wd = doc.smtpd.per_domain.map((d) => [d.connections, d.seconds, Math.trunc(d.seconds / d.connections + 0.5), d.max_seconds, d.domain]);
    check(`${name}: smtpd domains = JSON smtpd.per_domain (${wd.length})`, same(spdom, wd), firstDiff(spdom, wd));
  }

  // Senders and recipients: same (address, figure) pairs, ranked by the figure.
  for (const [id, list, field] of [['senders-by-count', 'senders', 'messages'], ['recipients-by-count', 'recipients', 'messages'],
                                   ['senders-by-size', 'senders', 'bytes'], ['recipients-by-size', 'recipients', 'bytes']]) {
    const r = await rows(page, id);
    const byFigure = (a, b) => (a[0] !== b[0] ? b[0] - a[0] : (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const w = doc[list].map((a) => [a[field], a.address]).sort(byFigure);
    check(`${name}: ${id} = JSON ${list} by ${field} (${w.length})`, same(r, w), firstDiff(r, w));
  }
  if (doc.no_size.length) {
    const r = await rows(page, 'no-size');
    const w = doc.no_size.map((n) => [n.queue_id, n.recipient]);
    check(`${name}: no size data = JSON no_size`, same(r, w), firstDiff(r, w));
  }

  // Problems.
  for (const [id, key, outer] of [['deferrals', 'deferrals', 'service'], ['bounces', 'bounces', 'relay'],
                                  ['smtp-failures', 'smtp_failures', 'reason'], ['warnings', 'warnings', 'service'],
                                  ['fatals', 'fatals', 'service'], ['panics', 'panics', 'service']]) {
    const g = await groups(page, id);
    const inner = (r) => r[Object.keys(r).find((k) => k !== 'count')];
    const w = doc[key].map((e) => ({ stage: undefined, key: e[outer], total: e.total, rows: e.rows.map((r) => [inner(r), r.count]) }));
    const g2 = g && g.map((x) => ({ ...x, stage: undefined }));
    check(`${name}: ${id} = JSON ${key} (${w.length} groups)`, same(g2, w), firstDiff(g2, w));
  }
  for (const [id, key] of [['rejects', 'rejects'], ['reject-warnings', 'reject_warnings'], ['holds', 'holds'], ['discards', 'discards']]) {
    const g = await groups(page, id);
    const w = doc[key].flatMap((st) => st.reasons.map((r) => ({ stage: st.stage, key: r.reason, total: r.total,
                                                                 rows: r.rows.map((x) => [x.key, x.count]) })));
    check(`${name}: ${id} = JSON ${key} (${w.length} groups)`, same(g, w), firstDiff(g, w));
  }
  if (doc.master.rows.length) {
    const r = await rows(page, 'master');
    const w = doc.master.rows.map((x) => [x.count, x.text]);
    check(`${name}: master daemon messages = JSON master`, same(r, w), firstDiff(r, w));
  }
  if (doc.messages) {
    const got = await page.$$eval('section#message-detail tbody tr', (trs) => trs.map((tr) =>
      [tr.children[0].textContent, [...(tr.children[1]?.querySelectorAll('div') ?? [])].map((d) => d.textContent)]));
    const w = doc.messages.map((m) => [m.queue_id, m.lines]);
    const sorted = [...got].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    check(`${name}: message detail = JSON messages (${w.length})`, same(sorted, w), firstDiff(sorted, w));
  }
  if (doc.insights) {
    const r = await rows(page, 'insights-latency');
    const w = doc.insights.latency_by_domain;
    check(`${name}: insights latency = JSON latency_by_domain (${w.length})`, r !== null && r.length === w.length &&
          r.every((x, i) => x[0] === w[i].delivered && x[5] === w[i].domain && near(x[1], w[i].p50) &&
                  near(x[4], w[i].max)), firstDiff(r, w));
  }

  // Charts.
  for (const id of ['hourly', 'domains', 'deferred-domains', 'bounce-relays', 'latency']) {
    if (id.includes('-') && !(await page.$(`#${id} svg`))) {
      check(`${name}: chart #${id} there`, !!(await page.$(`#${id} p.none`)), '');
      continue;
    }
    const box = await page.locator(`#${id} svg`).boundingBox();
    check(`${name}: chart #${id} renders`, box !== null && box.width > 100 && box.height >= 30, JSON.stringify(box));
  }
  const hourly = await page.$$eval('#hourly rect[data-series]', (rs) =>
    rs.map((r) => [r.dataset.series, Number(r.dataset.hour), Number(r.dataset.value), Number(r.getAttribute('height'))]));
  check(`${name}: hourly chart: 24 x 5 bars`, hourly.length === 120, String(hourly.length));
  const bad = hourly.filter(([s, h, v]) => doc.per_hour[h][s] !== v);
  check(`${name}: hourly chart = JSON per_hour`, bad.length === 0, JSON.stringify(bad.slice(0, 3)));
  const tallest = Math.max(...hourly.map((b) => b[3]));
  const maxValue = Math.max(...hourly.map((b) => b[2]));
  check(`${name}: hourly bars scaled to their values`,
        hourly.every(([, , v, h]) => Math.abs(h - (v / maxValue) * tallest) < 0.2), '');
  const bars = async (id, attr) => (await page.$(`figure#${id}`)) && page.$$eval(`#${id} rect[${attr}]`, (rs, a) =>
    rs.map((r) => [r.getAttribute(a), Number(r.dataset.value)]), attr);
  const top10 = (list, key, val) => list.filter((d) => d[val] > 0)
    .sort((a, b) => (a[val] !== b[val] ? b[val] - a[val] : (a[key] < b[key] ? -1 : 1))).slice(0, 10).map((d) => [d[key], d[val]]);
  const domains = await bars('domains', 'data-domain');
  const wantDom = doc.recipient_domains.filter((d) => d.delivered > 0).slice(0, 10).map((d) => [d.domain, d.delivered]);
  check(`${name}: domain chart = JSON top 10 recipient domains`, same(domains, wantDom), firstDiff(domains, wantDom));
  const deferredDom = await bars('deferred-domains', 'data-domain');
  const wantDef = top10(doc.recipient_domains, 'domain', 'deferred');
  check(`${name}: failing destinations: deferred domains chart = JSON (${wantDef.length})`, same(deferredDom, wantDef),
        firstDiff(deferredDom, wantDef));
  const relays = await bars('bounce-relays', 'data-relay');
  const wantRel = top10(doc.bounces, 'relay', 'total');
  check(`${name}: failing destinations: bouncing relays chart = JSON (${wantRel.length})`, same(relays, wantRel),
        firstDiff(relays, wantRel));
  const latency = await page.$$eval('#latency rect[data-bucket]', (rs) =>
    rs.map((r) => [r.dataset.bucket, Number(r.dataset.value)]));
  const wantLat = doc.delivery_latency.map((b) => [b.bucket, b.delivered]);
  check(`${name}: latency chart = JSON delivery_latency`, same(latency, wantLat), JSON.stringify(latency));
  await page.screenshot({ path: path.join(artifacts, `${name}-desktop.png`), fullPage: true });
  await context.close();

  // A phone: nothing wider than the screen, text not shrunk.
  const phone = await open(html, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const m = await phone.page.evaluate(() => ({
    inner: window.innerWidth, doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,
    font: parseFloat(getComputedStyle(document.querySelector('td') || document.body).fontSize),
    wide: [...document.body.querySelectorAll('body > *, section > *, .charts > figure')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5).map((e) => e.tagName + '#' + e.id).slice(0, 5),
  }));
  check(`${name}: phone 390x844: layout viewport is the screen`, m.inner === 390, JSON.stringify(m));
  check(`${name}: phone 390x844: no horizontal overflow of the body`, m.doc <= 390 && m.body <= 390 && m.wide.length === 0,
        JSON.stringify(m));
  check(`${name}: phone 390x844: table text at least 12px`, m.font >= 12, String(m.font));
  await phone.page.screenshot({ path: path.join(artifacts, `${name}-phone.png`), fullPage: true });
  check(`${name}: phone: no console error`, phone.state.console.length === 0 && phone.state.external.length === 0,
        phone.state.console.concat(phone.state.external).join(' | '));
  await phone.context.close();
}

await checkPage('sample', sampleLog, ['--smtpd-stats'], 'mx');
await checkPage('corpus', corpusLog, ['--smtpd-stats', '-e', '--insights'], 'helga');

// Hostile log text.
{
  const log = path.join(work, 'xss.log');
  writeFileSync(log, [
    'Nov 20 10:00:00 mx postfix/smtpd[100]: connect from evil.example.com[192.0.2.9]',
    'Nov 20 10:00:01 mx postfix/smtpd[100]: NOQUEUE: reject: EHLO from evil.example.com[192.0.2.9]: 504 5.5.2 ' +
      '<<script>alert(1)</script>>: Helo command rejected: need fully-qualified hostname; proto=SMTP ' +
      'helo=<<script>alert(1)</script>>',
    'Nov 20 10:00:02 mx postfix/smtpd[100]: warning: <img src=x onerror=alert(2)> <script>alert(1)</script>',
    'Nov 20 10:00:03 mx postfix/smtpd[101]: 1A2B3C4D5E: client=evil.example.com[192.0.2.9]',
    'Nov 20 10:00:04 mx postfix/qmgr[102]: 1A2B3C4D5E: from=<a"onmouseover="alert(3)<script>alert(6)</script>@example.com>, size=100, nrcpt=1 (queue active)',
    'Nov 20 10:00:05 mx postfix/smtp[103]: 1A2B3C4D5E: to=<x@"onload=alert(4)"\'.example>, relay=mx[192.0.2.2]:25, ' +
      'delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
    'Nov 20 10:00:06 mx postfix/smtpd[100]: disconnect from evil.example.com[192.0.2.9] ehlo=1 commands=1',
    'Nov 20 10:00:07 <script>alert(5)</script> postfix/smtpd[104]: connect from a.example[192.0.2.10]',
    '',
  ].join('\n'));
  const html = path.join(work, 'xss.html');
  report(log, 'html', html, ['-e']);
  const raw = readFileSync(html, 'utf8');
  check('xss: no "<script" or "<img" in the file', !/<script|<img/i.test(raw), (raw.match(/.{40}<(script|img).{40}/i) || [''])[0]);
  const { page, context, state } = await open(html);
  await page.mouse.move(200, 200);
  const rejects = await textOf(page, 'section#rejects');
  check('xss: HELO <script>alert(1)</script> shown literally', rejects.includes('<<script>alert(1)</script>>'), rejects);
  const warnings = await textOf(page, 'section#warnings');
  check('xss: warning <img onerror> shown literally', warnings.includes('<img src=x onerror=alert(2)> <script>alert(1)</script>'), warnings);
  const senders = await textOf(page, 'section#senders-by-count');
  check('xss: sender with <script> shown literally', senders.includes('a"onmouseover="alert(3)<script>alert(6)</script>@example.com'), senders);
  const label = (await page.$$eval('#domains text.label', (ts) => ts.map((t) => t.firstChild.textContent)))[0];
  check('xss: domain label shown literally', label === '"onload=alert(4)"\'.example', String(label));
  const title = await page.title();
  check('xss: host <script> shown literally in the title', title.includes('<script>alert(5)</script>'), title);
  check('xss: no dialog (no script ran)', state.dialogs.length === 0, state.dialogs.join(' '));
  const counts = await page.evaluate(() => ({
    script: document.querySelectorAll('script').length, img: document.querySelectorAll('img').length,
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
  }));
  check('xss: no <script>, <img> or on* attribute in the page', counts.script === 0 && counts.img === 0 && counts.handlers === 0,
        JSON.stringify(counts));
  check('xss: no console error, no request', state.console.length === 0 && state.external.length === 0 && state.errors.length === 0,
        state.console.concat(state.external, state.errors).join(' | '));
  await context.close();
}

await browser.close();
console.log(`html report: ${failures} failed; screenshots in ${artifacts}`);
process.exit(failures ? 1 : 0);
