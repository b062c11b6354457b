// dashboard.js - maillens serve's dashboard: five pages (overview,
// destinations, security, search, history) over /api/ (doc/api.md,
// doc/history.md).
//
// Every string from the API came from a log and is attacker-chosen: it is
// only ever inserted with textContent (never innerHTML), control characters
// shown as their visible symbols. The bearer token, when serve wants one,
// is asked for once and kept in sessionStorage (this tab only), and sent
// as an Authorization header; the page itself holds no data.
'use strict';

(function () {
  const TOKEN_KEY = 'maillens-token';
  const POLL_MS = 3000;
  const SERIES = [
    ['sent', 'sent', '#2e7d32'],
    ['deferred', 'deferrals', '#ef6c00'],
    ['bounced', 'bounced', '#c62828'],
    ['rejected', 'rejected', '#6a1b9a'],
    ['received', 'received', '#1565c0'],
    ['auth_failures', 'auth failures', '#455a64'],
    ['held', 'held', '#795548'],
  ];
  const HISTORY = [
    ['received', 'received', '#1565c0'],
    ['delivered', 'delivered', '#2e7d32'],
    ['deferred', 'deferrals', '#ef6c00'],
    ['bounced', 'bounced', '#c62828'],
    ['rejected', 'rejected', '#6a1b9a'],
    ['auth_failures', 'auth failures', '#455a64'],
  ];
  let timer = null;
  let chart = null;
  let historyChart = null;
  let session = null;  // /ui/session.json, once

  const $ = (id) => document.getElementById(id);

  // C0 controls and DEL as the symbols of Unicode's Control Pictures block:
  // an ESC[31m in a log shows as "␛[31m", never as a terminal would.
  function visible(s) {
    return String(s ?? '').replace(/[\u0000-\u001f\u007f]/g, (c) =>
      String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = visible(text);
    if (cls) e.className = cls;
    return e;
  }

  function setStatus(text, bad) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('bad', !!bad);
  }

  class Unauthorized extends Error {}

  async function api(path) {
    const headers = {};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    const r = await fetch(path, { headers, cache: 'no-store' });
    if (r.status === 401) throw new Unauthorized('token needed');
    if (!r.ok) throw new Error(path + ': ' + r.status + ' ' + (await r.text()).trim());
    return r.json();
  }

  function showToken(show) {
    $('token-form').hidden = !show;
    if (show) setStatus('this serve wants its token', true);
  }

  function fmtNum(n) {
    return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
  }

  function fmtTime(epoch) {
    if (epoch === null || epoch === undefined || epoch < 0) return 'never';
    return new Date(epoch * 1000).toISOString().replace('T', ' ').replace('.000Z', 'Z');
  }

  function fmtSeconds(s) {
    if (s === null || s === undefined) return '> ' + '2 d';
    if (s > 0 && s < 1) return (s * 1000).toFixed(0) + ' ms';
    if (s < 120) return s + ' s';
    if (s < 7200) return (s / 60).toFixed(0) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' d';
  }

  function setValue(id, v) {
    const e = $(id);
    e.textContent = fmtNum(v);
    e.dataset.v = String(v);
  }

  function fillRows(tbody, rows) {
    tbody.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement('tr');
      for (const c of cells) tr.append(c instanceof Node ? c : el('td', c));
      return tr;
    }));
  }

  function kv(tbody, pairs) {
    fillRows(tbody, pairs.map(([k, v]) => [el('th', k), el('td', v)]));
  }

  // ---- overview ----
  function chartData(d) {
    return [d.series.time, ...SERIES.map(([key]) => d.series[key])];
  }

  function drawChart(d) {
    const box = $('ov-chart');
    const data = chartData(d);
    let total = 0;
    for (let i = 1; i < data.length; i++) for (const v of data[i]) total += v;
    box.dataset.total = String(total);
    box.dataset.points = String(d.series.time.length);
    if (typeof uPlot === 'undefined') return;
    const width = Math.max(320, box.clientWidth || 800);
    if (!chart) {
      chart = new uPlot({
        width, height: 260,
        series: [{}, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2, points: { show: false } }))],
        axes: [{ label: 'UTC' }, { label: 'per minute' }],
        scales: { x: { time: true } },
        // UTC, as every other time on these pages.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
        legend: { live: false },
      }, data, box);
    } else {
      chart.setData(data);
      if (Math.abs(chart.width - width) > 10) chart.setSize({ width, height: 260 });
    }
  }

  async function overview() {
    const d = await api('/api/overview?minutes=' + encodeURIComponent($('ov-minutes').value));
    $('ov-window').textContent = 'last ' + d.minutes + ' min to ' + fmtTime(d.now);
    for (const [key] of SERIES) setValue('ov-' + key, d.totals[key]);
    drawChart(d);
    const q = d.queue;
    kv($('ov-queue').tBodies[0], q === null ? [['queue', 'not read (--no-queue)']]
      : !q.readable ? [['queue', 'postqueue -j could not be read']]
      : [['total', fmtNum(q.total)], ['active', fmtNum(q.active)], ['deferred', fmtNum(q.deferred)],
         ['hold', fmtNum(q.hold)], ['incoming', fmtNum(q.incoming)], ['maildrop', fmtNum(q.maildrop)],
         ['oldest', q.oldest_age_seconds === null ? '–' : fmtSeconds(q.oldest_age_seconds)]]);
    const l = d.latency;
    kv($('ov-latency').tBodies[0], l === null ? [['deliveries', 'none with a delay yet']]
      : [['deliveries', fmtNum(l.count)], ['mean', fmtSeconds(+(l.sum_seconds / l.count).toFixed(3))],
         ['p50 ≤', fmtSeconds(l.p50_le)], ['p90 ≤', fmtSeconds(l.p90_le)], ['p99 ≤', fmtSeconds(l.p99_le)]]);
  }

  // ---- destinations ----
  function reasonList(reasons) {
    const td = document.createElement('td');
    if (!reasons.length) { td.textContent = '–'; return td; }
    const ul = el('ul', null, 'reasons');
    for (const r of reasons) {
      const li = el('li', r.reason);
      li.prepend(el('span', String(r.count) + '× ', 'n'));
      ul.append(li);
    }
    td.append(ul);
    return td;
  }

  async function destinations() {
    const d = await api('/api/destinations?limit=100');
    const b = d.provider_blocks;
    setValue('dest-examined', b.examined);
    $('dest-blocks-none').hidden = b.findings.length > 0;
    $('dest-blocks').hidden = b.findings.length === 0;
    fillRows($('dest-blocks').tBodies[0], b.findings.map((f) => [
      el('td', f.provider, 'key'), el('td', f.id), el('td', f.meaning), numCell(f.deferred), numCell(f.bounced),
      el('td', f.last_seen), el('td', f.sample_text, 'text')]));
    fillRows($('dest-table').tBodies[0], d.domains.map((x) => [
      el('td', x.domain, 'key'), numCell(x.sent), numCell(x.deferred), numCell(x.bounced),
      reasonList(x.deferral_reasons), reasonList(x.bounce_reasons)]));
  }

  function numCell(n) {
    const td = el('td', fmtNum(n), 'num');
    td.dataset.v = String(n);
    return td;
  }

  // ---- security ----
  async function security() {
    const d = await api('/api/security?limit=50');
    setValue('sec-total', d.auth_failures_total);
    fillRows($('sec-ip').tBodies[0], d.auth_failures_by_ip.map((x) => [el('td', x.ip, 'key'), numCell(x.count)]));
    fillRows($('sec-user').tBodies[0], d.auth_failures_by_user.map((x) => [el('td', x.user, 'key'), numCell(x.count)]));
    const a = d.suspect_accounts;
    $('sec-accounts-summary').textContent = a.anomalies.length + ' flagged account-hours; ' + fmtNum(a.sasl_users) +
      ' SASL users, ' + fmtNum(a.active_hours) + ' account-hours evaluated since serve started';
    $('sec-accounts').hidden = a.anomalies.length === 0;
    fillRows($('sec-accounts').tBodies[0], a.anomalies.slice().reverse().map((x) => [
      el('td', x.user, 'key'), el('td', x.hour_start), numCell(x.messages),
      el('td', Object.entries(x.metrics).filter(([, m]) => m.flagged)
        .map(([k, m]) => k.replace(/_/g, ' ') + ' ' + m.value + (x.has_baseline ? ' (usual ' + m.median + ')' : ''))
        .join('; ') + (x.has_baseline ? '' : ' (no baseline yet: ' + x.baseline_hours + ' earlier active hours)')),
      el('td', x.sample_queue_ids.join(' '))]));
    $('sec-guard-none').hidden = d.guard !== null;
    $('sec-bans').hidden = d.guard === null;
    if (d.guard !== null) {
      fillRows($('sec-bans').tBodies[0], d.guard.bans.map((b) => [
        el('td', b.ip, 'key'), el('td', fmtTime(b.start)), el('td', b.end < 0 ? 'permanent' : fmtTime(b.end)),
        el('td', b.active ? 'yes' : 'no'), numCell(b.failures), numCell(b.count)]));
    }
  }

  // ---- history ----
  async function history() {
    $('hist-none').hidden = session.history;
    $('hist-body').hidden = !session.history;
    if (!session.history) return;
    const [span, step] = $('hist-range').value.split(':').map(Number);
    const measures = HISTORY.map(([k]) => k).join(',');
    const stepName = step === 86400 ? 'day' : 'hour';
    const d = await api('/api/history?step=' + stepName + '&from=' + encodeURIComponent(span + 's') + '&measure=' + measures);
    $('hist-window').textContent = fmtTime(d.from) + ' to ' + fmtTime(d.until) + ', by ' + d.step;
    for (const [key] of HISTORY) setValue('hist-' + key, d.totals[key]);
    const box = $('hist-chart');
    const data = [d.t, ...HISTORY.map(([k]) => d[k])];
    box.dataset.points = String(d.t.length);
    if (typeof uPlot !== 'undefined') {
      const width = Math.max(320, box.clientWidth || 800);
      if (!historyChart) {
        historyChart = new uPlot({
          width, height: 260,
          series: [{}, ...HISTORY.map(([, label, stroke]) => ({ label, stroke, width: 2, points: { show: d.t.length < 3 } }))],
          axes: [{ label: 'UTC' }, { label: 'per ' + d.step }],
          scales: { x: { time: true } },
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
          legend: { live: false },
        }, data, box);
      } else {
        historyChart.setData(data);
      }
    }
    const from = encodeURIComponent(span + 's');
    const [def, rej] = await Promise.all([
      api('/api/history/top?dim=rcpt_domain&measure=deferred&limit=10&from=' + from),
      api('/api/history/top?dim=client_net&measure=rejected&limit=10&from=' + from)]);
    fillRows($('hist-top-deferred').tBodies[0], def.top.map((x) => [el('td', x.key, 'key'), numCell(x.count)]));
    fillRows($('hist-top-rejected').tBodies[0], rej.top.map((x) => [el('td', x.key, 'key'), numCell(x.count)]));
  }

  // ---- search ----
  function messageCard(m) {
    const box = el('div', null, 'message' + (m.parent ? ' hop' : ''));
    const h = el('h3');
    h.append(el('span', m.queue_id, 'qid'), el('span', ' on ' + m.host, 'host'));
    if (m.parent) h.append(el('span', ' (hop of ' + m.parent.queue_id + ')', 'parent'));
    box.append(h);
    const t = el('table', null, 'fields');
    kv(t.appendChild(document.createElement('tbody')), [
      ['message-id', m.message_id], ['from', m.from === null ? '(sender not in log)' : m.from || '<>'],
      ['client', m.client], ['sasl user', m.sasl_username], ['first seen', m.first_seen], ['last seen', m.last_seen],
      ['next hops', m.links.map((l) => l.kind + ' ' + l.queue_id).join(', ') || '–']]);
    box.append(t);
    if (m.recipients.length) {
      const r = el('table', null, 'recipients');
      const tb = r.appendChild(document.createElement('tbody'));
      fillRows(tb, m.recipients.map((x) => [el('td', x.to, 'key'), el('td', x.status, 'st-' + x.status), el('td', x.outcome)]));
      box.append(r);
    }
    const ev = el('ol', null, 'events');
    for (const e of m.events) {
      const li = el('li');
      li.append(el('span', e.time, 'time'), el('span', e.program, 'prog'), el('span', e.text, 'text'));
      ev.append(li);
    }
    box.append(ev);
    return box;
  }

  async function search(form) {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (String(v).trim()) params.set(k, String(v).trim());
    location.hash = '#search?' + params.toString();
  }

  async function runSearch(query) {
    const form = $('search-form');
    const params = new URLSearchParams(query);
    for (const input of form.elements) if (input.name) input.value = params.get(input.name) ?? '';
    const out = $('search-results');
    if (![...params.keys()].length) {
      $('search-summary').textContent = 'Search by queue ID, message-id, address or client.';
      out.replaceChildren();
      return;
    }
    $('search-summary').textContent = 'searching…';
    const d = await api('/api/search?' + params.toString());
    $('search-summary').textContent = d.trees + (d.trees === 1 ? ' message' : ' messages') +
      (d.truncated ? ' (more not shown)' : '') + ', ' + fmtNum(d.lines_parsed) + ' lines parsed in ' +
      d.elapsed_ms.toFixed(1) + ' ms';
    out.replaceChildren(...d.messages.map(messageCard));
  }

  // ---- pages ----
  const PAGES = { overview, destinations, security, history };

  function route() {
    const hash = location.hash.replace(/^#/, '');
    const [name, query] = hash.split('?');
    const page = name in PAGES || name === 'search' ? name : 'overview';
    for (const s of document.querySelectorAll('.page')) s.hidden = s.id !== 'page-' + page;
    for (const a of document.querySelectorAll('nav a[data-page]')) a.classList.toggle('current', a.dataset.page === page);
    document.body.dataset.page = page;
    clearTimeout(timer);
    const run = async () => {
      try {
        if (session === null) session = await (await fetch('/ui/session.json')).json();
        if (session.token_required && !sessionStorage.getItem(TOKEN_KEY)) {
          showToken(true);
          return;  // no poll until a token is given
        }
        if (page === 'search') await runSearch(query || '');
        else await PAGES[page]();
        showToken(false);
        setStatus('updated ' + new Date().toLocaleTimeString('en-GB'));
        document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
      } catch (e) {
        if (e instanceof Unauthorized) {
          sessionStorage.removeItem(TOKEN_KEY);  // a wrong or changed token: ask again
          showToken(true);
          return;
        }
        setStatus(String(e.message || e), true);
      }
      if (page !== 'search') timer = setTimeout(run, POLL_MS);
    };
    run();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $('token').value);
      $('token').value = '';
      route();
    });
    $('search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      search(e.target);
    });
    $('ov-minutes').addEventListener('change', route);
    $('hist-range').addEventListener('change', route);
    window.addEventListener('hashchange', route);
    route();
  });
})();
