// The studio page: levers as switches and sliders; every change asks the server for a
// quick answer (QUICK runs), then a refined one (FULL runs). The state lives in the
// address (#file=...&seed=...&set=PATH=VALUE...), so a link or a reload restores it.
'use strict';
(function () {
  // ---------------------------------------------------------------- pure functions
  // (tests/serve/page_check.js runs these in node, without a page)

  // A seed is kept as the text of a whole number from 0 to 2^64 - 1, as the API takes it:
  // a JavaScript number holds whole numbers exactly only up to 2^53, so Number() would
  // change a larger seed (9007199254740993 becomes ...992). null for anything else.
  const MAX_SEED = 18446744073709551615n;
  function seedText(text) {
    const t = String(text).trim();
    if (!/^[0-9]{1,20}$/.test(t) || BigInt(t) > MAX_SEED) return null;
    return BigInt(t).toString();
  }
  // A request's JSON text: `seed` and `run`, kept as digits, are written as the numbers they
  // are (JSON.stringify of a Number would round them above 2^53).
  function requestText(body) {
    return '{' + Object.entries(body).map(([k, v]) => JSON.stringify(k) + ':' +
      ((k === 'seed' || k === 'run') && typeof v === 'string' && /^[0-9]+$/.test(v) ? v : JSON.stringify(v))).join(',') + '}';
  }
  // The charts' rows, each step at the date the answer gives it (`dates`: the last day of
  // the step, step 0 being the day before the start; docs/output.md).
  const survivalRows = (run) => run.survival.map((p, s) => ({ date: run.dates[s], p }));
  const fanRows = (fan) => fan.steps.map((s, i) => ({ date: fan.dates[i], p5: fan.p5[i], p25: fan.p25[i],
    p50: fan.p50[i], p75: fan.p75[i], p95: fan.p95[i] }));
  // The step check's answer (POST /api/step-check) in words: why it does not apply, or the
  // verdict and the test, then each warning as the command prints it, then the command.
  function stepCheckWords(ans) {
    if (!ans.applies) return ans.why.charAt(0).toUpperCase() + ans.why.slice(1) + '.';
    const n = ans.outcomes.filter((o) => o.differs).length;
    const lines =
        [(n === 0 ? 'No outcome differs between ' + ans.step + 'ly and daily steps beyond chance' :
                    n + ' of ' + ans.outcomes.length + ' outcome' + (ans.outcomes.length === 1 ? '' : 's') + ' differ' +
                  (n === 1 ? 's' : '') + ' between ' + ans.step + 'ly and daily steps beyond chance') +
         ' (' + ans.runs.toLocaleString('en') + ' paired runs; ' + ans.test + ').'];
    for (const w of ans.warnings) lines.push(w);
    lines.push('$ ' + ans.command);
    return lines.join('\n');
  }
  // A p-value as the table shows it: two significant digits, or "< 0.0001".
  const pvalue = (p) => (p < 1e-4 ? '< 0.0001' : String(Number(p.toPrecision(2))));
  if (typeof document === 'undefined') {
    if (typeof module === 'object')
      module.exports = {seedText, requestText, survivalRows, fanRows, stepCheckWords, pvalue};
    return;
  }

  const QUICK = 2000, FULL = 20000;
  const lane = Math.random().toString(36).slice(2);  // newer requests of this page cancel older ones
  const $ = (id) => document.getElementById(id);
  let scenario = null;          // GET /api/scenario
  let state = { file: '', seed: '1', sets: {} };
  let generation = 0, controllers = [], timer = null;

  // ---------------------------------------------------------------- the address
  function readHash() {
    const q = new URLSearchParams(location.hash.slice(1));
    const s = { file: q.get('file') || '', seed: seedText(q.get('seed') || '1') || '1', sets: {} };
    for (const kv of q.getAll('set')) {
      const i = kv.indexOf('=');
      if (i > 0) s.sets[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return s;
  }
  function writeHash() {
    const q = new URLSearchParams();
    q.set('file', state.file);
    q.set('seed', state.seed);
    for (const [k, v] of Object.entries(state.sets)) q.append('set', k + '=' + v);
    history.replaceState(null, '', '#' + q.toString());
  }

  // ---------------------------------------------------------------- the server
  async function api(path, body, laneName, signal) {
    const opts = body === undefined ? {} : {
      method: 'POST', body: requestText(body), signal,
      headers: { 'Content-Type': 'application/json', 'X-Geosim-Lane': lane + ':' + laneName }
    };
    const res = await fetch(path, opts);
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch (e) { throw new Error('the server sent something that is not JSON'); }
    if (!res.ok) { const err = new Error(json.error ? json.error.message : 'HTTP ' + res.status); err.cls = json.error && json.error.class; err.status = res.status; throw err; }
    return json;
  }
  const request = (runs) => ({ file: state.file, set: Object.assign({}, state.sets), runs, seed: state.seed });

  // ---------------------------------------------------------------- formatting
  const pct = (p) => (100 * p).toFixed(1) + '%';
  const pts = (d) => {
    const r = Math.abs(100 * d).toFixed(1);
    return (r === '0.0' ? '\u00b1' : d > 0 ? '+' : '\u2212') + r + ' pts';
  };
  const ci = (c) => pct(c[0]) + ' \u2013 ' + pct(c[1]);
  const cipts = (c) => pts(c[0]) + ' to ' + pts(c[1]);
  const num = (x) => String(Math.round(x * 1000) / 1000);
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const k of kids) if (k) e.append(k);
    return e;
  }

  // ---------------------------------------------------------------- controls
  function setValue(path, value) {
    if (value === null) delete state.sets[path]; else state.sets[path] = String(value);
    writeHash();
    markChanged();
  }
  function markChanged() {
    for (const l of scenario.levers) {
      const box = $('lever-' + l.id);
      if (box) box.classList.toggle('changed', Object.keys(state.sets).some((k) => k.startsWith('levers.' + l.id + '.')));
    }
  }
  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(refresh, delay);
  }

  function slider(lever, what, label) {
    const p = lever[what];
    if (!p) return null;
    const id = what + '-' + lever.id;
    const set = state.sets[p.path];
    const input = el('input', { type: 'range', id, min: '0', max: '1', step: '0.01', 'class': what,
      value: set !== undefined && isFinite(Number(set)) ? set : String(p.mean) });
    const out = el('output', { for: id, text: num(Number(input.value)) });
    input.addEventListener('input', () => { out.textContent = num(Number(input.value)); setValue(p.path, input.value); schedule(120); });
    input.addEventListener('change', () => schedule(0));
    return el('div', { 'class': 'row' }, el('label', { for: id, text: label }), input, out,
      el('span', { 'class': 'as-written', text: 'as written: ' + p.value + (p.doc ? ' \u2014 ' + p.doc : '') }));
  }

  function dateInput(lever, key) {
    const path = 'levers.' + lever.id + '.' + key;
    const input = el('input', { type: 'date', id: key + '-' + lever.id, min: scenario.start, max: scenario.until,
      value: state.sets[path] || lever[key] });
    input.addEventListener('change', () => {
      setValue(path, input.value && input.value !== lever[key] ? input.value : null);
      schedule(0);
    });
    return [el('label', { for: input.id, text: key === 'from' ? 'from' : 'until' }), input];
  }

  function evidence(prov) {
    const items = prov.evidence.map((e) => e.seed
      ? el('blockquote', {}, '\u201c' + e.quote + '\u201d \u2014 ' + e.seed)
      : el('blockquote', {}, e.cite + (e.note ? ': ' + e.note : '')));
    if (prov.assumption) items.push(el('p', { text: 'Assumption: ' + prov.assumption }));
    if (!items.length) return el('p', { 'class': 'hint', text: 'No evidence given for this lever.' });
    return el('details', {}, el('summary', { text: 'Evidence (' + prov.evidence.length + ')' + (prov.assumption ? ' and assumption' : '') }), ...items);
  }

  function buildLevers() {
    const box = $('levers');
    box.replaceChildren();
    for (const l of scenario.levers) {
      const path = l.enabled.path;
      const on = state.sets[path] !== undefined ? !['false', '0', 'no', 'off'].includes(state.sets[path]) : l.enabled.mean >= 0.5;
      const sw = el('input', { type: 'checkbox', role: 'switch', id: 'on-' + l.id, 'class': 'switch' });
      sw.checked = on;
      const div = el('div', { 'class': 'lever' + (on ? '' : ' off'), id: 'lever-' + l.id });
      sw.addEventListener('change', () => {
        const asWritten = l.enabled.mean >= 0.5 && !l.enabled.uncertain;
        setValue(path, sw.checked === asWritten && !l.enabled.uncertain ? null : (sw.checked ? 'true' : 'false'));
        div.classList.toggle('off', !sw.checked);
        schedule(0);
      });
      const reset = el('button', { type: 'button', text: 'as written', title: 'Back to this lever as written',
        onclick: () => {
          for (const k of Object.keys(state.sets)) if (k.startsWith('levers.' + l.id + '.')) delete state.sets[k];
          writeHash(); buildLevers(); schedule(0);
        } });
      div.append(
        el('div', { 'class': 'head' }, sw, el('label', { for: sw.id, text: l.name }), reset),
        el('div', { 'class': 'who', text: l.kind.replace(/_/g, ' ') + ' by ' + l.by.name + ' on ' + l.target.name +
          (l.enabled.uncertain ? ' (on in some runs only: ' + l.enabled.value + ')' : '') }),
        el('div', { 'class': 'sliders' }, slider(l, 'intensity', 'intensity'), slider(l, 'credibility', 'credibility'),
          el('div', { 'class': 'window' }, ...dateInput(l, 'from'), ...dateInput(l, 'until'))),
        evidence(l.provenance));
      box.append(div);
    }
    markChanged();
  }

  function buildMechanisms() {
    const box = $('mechanisms');
    box.replaceChildren();
    for (const m of scenario.mechanisms) {
      if (!m) continue;
      const id = 'mech-' + m.path.replace(/\./g, '-');
      const input = el('input', { type: 'number', step: 'any', id, value: state.sets[m.path] !== undefined ? state.sets[m.path] : String(m.mean) });
      if (m.range[0] !== null) input.min = m.range[0];
      if (m.range[1] !== null) input.max = m.range[1];
      input.addEventListener('change', () => {
        setValue(m.path, input.value === '' || input.value === String(m.mean) && !m.uncertain ? null : input.value);
        schedule(0);
      });
      box.append(el('div', { 'class': 'mech' },
        el('label', { for: id, text: m.path.replace('mechanisms.', '') + (m.doc ? ' \u2014 ' + m.doc : '') + ' (as written: ' + m.value + ')' }), input));
    }
  }

  // ---------------------------------------------------------------- results
  function render(run, cmp, runs, seed) {
    const body = $('outcomes').querySelector('tbody');
    body.replaceChildren();
    const effects = {};
    for (const o of cmp.comparisons[0].outcomes) effects[o.id] = o;
    for (const o of run.outcomes) {
      const e = effects[o.id];
      const d = e ? e.difference : 0;
      const tr = el('tr', { 'data-outcome': o.id, 'data-p': String(o.probability), 'data-lo': String(o.ci95[0]),
        'data-hi': String(o.ci95[1]), 'data-diff': e ? String(e.difference) : '' },
        el('th', { scope: 'row', text: o.label || o.id }),
        el('td', { 'class': 'num p', text: pct(o.probability) }),
        el('td', { 'class': 'num ci', text: ci(o.ci95) }),
        el('td', { 'class': 'num diff ' + (Math.abs(d) < 0.0005 ? '' : d > 0 ? 'up' : 'down'), text: e ? pts(e.difference) : '' }),
        el('td', { 'class': 'num paired', text: e ? cipts(e.paired_ci95) : '' }));
      body.append(tr);
    }
    renderRegime(run);
    $('status').textContent = runs === FULL
      ? '(' + run.runs.toLocaleString('en') + ' runs, seed ' + seed + ')'
      : '(first answer from ' + run.runs.toLocaleString('en') + ' runs; refining\u2026)';
    document.body.dataset.runs = String(run.runs);
    draw(run);
  }

  // Format 2 with a leader: how often he goes, whether the regime stays, who rules at the
  // horizon (the run JSON's `joint` and `ruler`). Hidden for scenarios without a leader.
  function renderRegime(run) {
    const box = $('regime');
    if (!run.ruler || !run.joint) { box.hidden = true; return; }
    box.hidden = false;
    const stays = new Set(run.outcomes.filter((o) => o.default).map((o) => o.id));
    let gone = 0, kept = 0;
    for (const p of run.joint) {
      if (stays.has(p.leader)) continue;
      gone += p.count;
      if (p.regime === 'continues') kept += p.count;
    }
    const who = run.leader ? (run.leader.name || run.leader.id) : 'The leader';
    $('regime-words').textContent = who + ' goes in ' + pct(gone / run.runs) + ' of runs' +
      (gone > 0 ? '; in ' + pct(kept / gone) + ' of those the regime stays, under a successor.' : '.');
    const body = $('rulers').querySelector('tbody');
    body.replaceChildren();
    for (const r of run.ruler)
      body.append(el('tr', { 'data-ruler': r.id, 'data-p': String(r.probability) },
        el('th', { scope: 'row', text: r.name || r.id }),
        el('td', { 'class': 'num p', text: pct(r.probability) }),
        el('td', { 'class': 'num ci', text: ci(r.ci95) })));
  }

  function draw(run) {
    if (typeof vegaEmbed !== 'function') return;
    const base = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', width: 'container', height: 220 };
    const surv = Object.assign({}, base, {
      data: { values: survivalRows(run) },
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: { x: { field: 'date', type: 'temporal', title: null },
        y: { field: 'p', type: 'quantitative', title: 'probability', scale: { domain: [0, 1] }, axis: { format: '%' } } }
    });
    const fan = run.fans[0];
    const jobs = [vegaEmbed('#survival', surv, { actions: false, renderer: 'svg' })];
    if (fan) {
      $('fan-caption').textContent = fan.var + ': median, 50% and 90% of runs';
      const rows = fanRows(fan);
      const x = { field: 'date', type: 'temporal', title: null };
      const spec = Object.assign({}, base, { data: { values: rows }, layer: [
        { mark: { type: 'area', opacity: 0.25 }, encoding: { x, y: { field: 'p5', type: 'quantitative', title: fan.var }, y2: { field: 'p95' } } },
        { mark: { type: 'area', opacity: 0.45 }, encoding: { x, y: { field: 'p25', type: 'quantitative' }, y2: { field: 'p75' } } },
        { mark: 'line', encoding: { x, y: { field: 'p50', type: 'quantitative' } } }] });
      jobs.push(vegaEmbed('#fan', spec, { actions: false, renderer: 'svg' }));
    }
    Promise.all(jobs).catch((e) => showError(e.message));
  }

  function showError(msg) {
    $('error').textContent = msg;
    document.body.dataset.state = 'error';
    $('status').textContent = '';
  }

  // ---------------------------------------------------------------- the step check
  const STEP_RUNS = 40000;
  let stepController = null;
  function clearStepCheck(words) {
    if (stepController) stepController.abort();
    stepController = null;
    $('step-table').hidden = true;
    $('step-words').textContent = '';
    $('step-status').textContent = words || '';
    delete document.body.dataset.stepCheck;
  }
  async function stepCheck() {
    clearStepCheck('running ' + STEP_RUNS.toLocaleString('en') + ' paired runs\u2026');
    const c = new AbortController();
    stepController = c;
    const req = request(STEP_RUNS);
    let ans;
    try {
      ans = await api('/api/step-check', req, 'step-check', c.signal);
    } catch (e) {
      if (stepController !== c || e.name === 'AbortError' || e.cls === 'cancelled') return;
      clearStepCheck();
      $('step-words').textContent = e.message;
      return;
    }
    if (stepController !== c) return;
    stepController = null;
    $('step-status').textContent = '';
    const body = $('step-table').querySelector('tbody');
    body.replaceChildren();
    const labels = {};
    for (const o of scenario.outcomes) labels[o.id] = o.label || o.id;
    for (const o of ans.applies ? ans.outcomes : []) {
      body.append(
          el('tr', {
            'data-outcome': o.id,
            'data-own': String(o.own.probability),
            'data-daily': String(o.daily.probability),
            'data-diff': String(o.difference),
            'data-p-value': String(o.p_value),
            'class': o.differs ? 'differs' : ''
          },
             el('th', {scope: 'row', text: labels[o.id] || o.id}),
             el('td', {'class': 'num own', text: pct(o.own.probability)}),
             el('td', {'class': 'num daily', text: pct(o.daily.probability)}),
             el('td', {'class': 'num diff', text: pts(o.difference)}),
             el('td', {'class': 'num paired', text: cipts(o.paired_ci95)}),
             el('td', {'class': 'num pvalue', text: pvalue(o.p_value) + (o.differs ? ' (differs)' : '')})));
    }
    $('step-table').hidden = !ans.applies;
    $('step-words').textContent = stepCheckWords(ans);
    document.body.dataset.stepCheck = requestText(req);  // what the table answers
  }

  async function refresh() {
    const gen = ++generation;
    clearStepCheck();
    for (const c of controllers) c.abort();
    controllers = [];
    $('error').textContent = '';
    document.body.dataset.state = 'running';
    try {
      for (const runs of [QUICK, FULL]) {
        const c = new AbortController();
        controllers.push(c);
        const req = request(runs);
        const [run, cmp] = await Promise.all([api('/api/run', req, 'run', c.signal),
          api('/api/compare', req, 'compare', c.signal)]);
        if (gen !== generation) return;
        render(run, cmp, runs, req.seed);
        document.body.dataset.request = requestText(req);  // what the numbers shown answer
        document.body.dataset.state = runs === FULL ? 'refined' : 'quick';
      }
    } catch (e) {
      if (gen !== generation || e.name === 'AbortError' || e.cls === 'cancelled') return;
      showError(e.message);
    }
  }

  // ---------------------------------------------------------------- scenario
  async function loadScenario() {
    $('scenario-error').textContent = '';
    try {
      scenario = await api('/api/scenario?file=' + encodeURIComponent(state.file));
    } catch (e) {
      $('scenario-error').textContent = e.message;
      document.body.dataset.state = 'error';
      return;
    }
    $('title').textContent = scenario.title || scenario.id;
    $('dates').textContent = scenario.start + ' to ' + scenario.until + ', ' + scenario.horizon + ' ' + scenario.step + 's';
    $('description').textContent = scenario.description;
    document.title = (scenario.title || scenario.id) + ' \u2014 geosim studio';
    $('seed').value = state.seed;
    buildLevers();
    buildMechanisms();
    writeHash();
    refresh();
  }

  async function start() {
    state = readHash();
    let list;
    try {
      list = await api('/api/scenarios');
    } catch (e) { showError(e.message); return; }
    const pick = $('scenario');
    pick.replaceChildren();
    for (const s of list.scenarios) {
      const o = el('option', { value: s.file, text: s.file + (s.title ? ' \u2014 ' + s.title : '') + (s.error ? ' (invalid)' : '') });
      if (s.error) o.disabled = true;
      pick.append(o);
    }
    const usable = list.scenarios.filter((s) => !s.error).map((s) => s.file);
    if (!usable.length) { showError('No scenario file in ' + list.folder); return; }
    if (!usable.includes(state.file)) {
      if (state.file) $('scenario-error').textContent = state.file + ' is not served here; showing ' + usable[0];
      state = { file: usable.includes('venezuela-2019.yaml') ? 'venezuela-2019.yaml' : usable[0], seed: state.seed, sets: {} };
    }
    pick.value = state.file;
    loadScenario();
  }

  $('scenario').addEventListener('change', () => { state = { file: $('scenario').value, seed: state.seed, sets: {} }; loadScenario(); });
  $('seed').addEventListener('change', () => {
    const s = seedText($('seed').value);
    if (s === null) { showError('The seed must be a whole number from 0 to ' + MAX_SEED + '.'); return; }
    state.seed = s; writeHash(); refresh();
  });
  $('reset').addEventListener('click', () => { state.sets = {}; writeHash(); buildLevers(); buildMechanisms(); refresh(); });
  $('replay').addEventListener('click', async () => {
    const k = $('replay-run').value.trim();  // digits, as the seed: the server says when it is too large
    try {
      const r = await api('/api/replay', { file: state.file, set: state.sets, seed: state.seed, run: /^[0-9]+$/.test(k) ? k : '0' }, 'replay');
      $('story').textContent = r.text + '\n$ ' + r.command;
    } catch (e) { $('story').textContent = e.message; }
  });
  $('step-check').addEventListener('click', stepCheck);
  $('save').addEventListener('click', async () => {
    try {
      const v = await api('/api/variant', request(FULL), 'variant');
      const a = $('download');
      a.href = URL.createObjectURL(new Blob([v.yaml], { type: 'text/yaml' }));
      a.download = v.filename;
      a.textContent = 'download ' + v.filename + ' again';
      a.hidden = false;
      $('commands').textContent = '# save ' + v.filename + ' as ' + v.path + ', then:\n' + v.commands.map((c) => '$ ' + c).join('\n') + '\n\n' + v.yaml;
      a.click();
    } catch (e) { $('commands').textContent = e.message; }
  });
  window.addEventListener('hashchange', () => {
    const s = readHash();
    if (JSON.stringify(s) === JSON.stringify(state)) return;
    state = s; $('scenario').value = state.file; loadScenario();
  });
  start();
})();
