// html_report_test.mjs MAILLENS SAMPLE_LOG WORKDIR - opens maillens's HTML
// report in headless Debian chromium (playwright-core, no browser download):
//  1. it renders offline (no request leaves file://, no external asset);
//  2. the charts' figures (data-value of each bar) and the totals equal the
//     JSON report of the same log;
//  3. a log whose HELO is <script>alert(1)</script> shows that text literally
//     and runs no script (no dialog event, no <script> element in the page).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [maillens, sampleLog, work] = process.argv.slice(2);
let failures = 0;
function check(name, ok, detail = '') {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : ': ' + detail}`);
  if (!ok) failures++;
}
const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
function report(log, format, file) {
  execFileSync(maillens, ['report', '--smtpd-stats', '--format', format, '-o', file, log], { env });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function open(htmlFile) {
  const page = await browser.newPage();
  const state = { dialogs: [], external: [], errors: [] };
  page.on('dialog', async (d) => { state.dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => state.errors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    state.external.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(htmlFile).href, { waitUntil: 'load' });
  await page.waitForTimeout(300);  // time for anything deferred to run
  return { page, state };
}

// 1 + 2: the real Postfix sample.
{
  const html = path.join(work, 'sample.html'), json = path.join(work, 'sample.json');
  report(sampleLog, 'html', html);
  report(sampleLog, 'json', json);
  const doc = JSON.parse(execFileSync('cat', [json]).toString());
  const { page, state } = await open(html);
  check('no external request', state.external.length === 0, state.external.join(' '));
  check('no script error', state.errors.length === 0, state.errors.join(' '));
  for (const id of ['hourly', 'domains', 'latency']) {
    const box = await page.locator(`#${id} svg`).boundingBox();
    check(`chart #${id} renders`, box !== null && box.width > 100 && box.height > 50, JSON.stringify(box));
  }
  const hourly = await page.$$eval('#hourly rect[data-series]', (rs) =>
    rs.map((r) => [r.dataset.series, Number(r.dataset.hour), Number(r.dataset.value), Number(r.getAttribute('height'))]));
  check('hourly chart: 24 x 5 bars', hourly.length === 120, String(hourly.length));
  const bad = hourly.filter(([s, h, v]) => doc.per_hour[h][s] !== v);
  check('hourly chart = JSON per_hour', bad.length === 0, JSON.stringify(bad.slice(0, 3)));
  const tallest = Math.max(...hourly.map((b) => b[3]));
  const maxValue = Math.max(...hourly.map((b) => b[2]));
  check('hourly bars scaled to their values',
        hourly.every(([, , v, h]) => Math.abs(h - (v / maxValue) * tallest) < 0.2), '');
  const domains = await page.$$eval('#domains rect[data-domain]', (rs) =>
    rs.map((r) => [r.dataset.domain, Number(r.dataset.value)]));
  const want = doc.recipient_domains.filter((d) => d.delivered > 0).slice(0, 10).map((d) => [d.domain, d.delivered]);
  check('domain chart = JSON top 10 recipient domains', JSON.stringify(domains) === JSON.stringify(want),
        JSON.stringify(domains) + ' vs ' + JSON.stringify(want));
  const latency = await page.$$eval('#latency rect[data-bucket]', (rs) =>
    rs.map((r) => [r.dataset.bucket, Number(r.dataset.value)]));
  const wantLat = doc.delivery_latency.map((b) => [b.bucket, b.delivered]);
  check('latency chart = JSON delivery_latency', JSON.stringify(latency) === JSON.stringify(wantLat),
        JSON.stringify(latency));
  check('latency buckets add up to delivered',
        latency.reduce((a, b) => a + b[1], 0) === doc.grand_totals.delivered, '');
  const totals = await page.$$eval('#totals td[data-key]', (ts) => ts.map((t) => [t.dataset.key, Number(t.textContent)]));
  check('totals = JSON grand_totals', totals.length >= 16 && totals.every(([k, v]) => doc.grand_totals[k] === v),
        JSON.stringify(totals.filter(([k, v]) => doc.grand_totals[k] !== v)));
  const text = await page.locator('#report').innerText();
  check('full text report included', text.includes('Grand Totals') && text.includes('message reject detail'), '');
  await page.close();
}

// 3: hostile log text.
{
  const log = path.join(work, 'xss.log');
  writeFileSync(log, [
    'Nov 20 10:00:00 mx postfix/smtpd[100]: connect from evil.example.com[192.0.2.9]',
    'Nov 20 10:00:01 mx postfix/smtpd[100]: NOQUEUE: reject: EHLO from evil.example.com[192.0.2.9]: 504 5.5.2 ' +
      '<<script>alert(1)</script>>: Helo command rejected: need fully-qualified hostname; proto=SMTP ' +
      'helo=<<script>alert(1)</script>>',
    'Nov 20 10:00:02 mx postfix/smtpd[100]: warning: <img src=x onerror=alert(2)> <script>alert(1)</script>',
    'Nov 20 10:00:03 mx postfix/smtpd[101]: 1A2B3C4D5E: client=evil.example.com[192.0.2.9]',
    'Nov 20 10:00:04 mx postfix/qmgr[102]: 1A2B3C4D5E: from=<a"onmouseover="alert(3)@example.com>, size=100, nrcpt=1 (queue active)',
    'Nov 20 10:00:05 mx postfix/smtp[103]: 1A2B3C4D5E: to=<x@"onload=alert(4)"\'.example>, relay=mx[192.0.2.2]:25, ' +
      'delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)',
    'Nov 20 10:00:06 mx postfix/smtpd[100]: disconnect from evil.example.com[192.0.2.9] ehlo=1 commands=1',
    '',
  ].join('\n'));
  const html = path.join(work, 'xss.html');
  report(log, 'html', html);
  const { page, state } = await open(html);
  await page.mouse.move(200, 200);
  const text = await page.locator('#report').innerText();
  check('HELO <script>alert(1)</script> shown literally', text.includes('helo=<<script>alert(1)</script>>'), '');
  check('warning <img onerror> shown literally', text.includes('<img src=x onerror=alert(2)>'), '');
  const label = await page.locator('#domains text.label').first().textContent();
  check('domain label shown literally', label === '"onload=alert(4)"\'.example', String(label));
  check('no dialog (no script ran)', state.dialogs.length === 0, state.dialogs.join(' '));
  const scripts = await page.$$eval('script', (s) => s.length);
  check('no <script> element in the page', scripts === 0, String(scripts));
  const imgs = await page.$$eval('img', (s) => s.length);
  check('no <img> element in the page', imgs === 0, String(imgs));
  await page.close();
}

await browser.close();
console.log(`html report: ${failures} failed`);
process.exit(failures ? 1 : 0);
