// The studio page's pure functions (analysis/studio/page/studio.js) in node, without a
// browser: the charts date each step as the run's JSON does (the last day of the step,
// docs/output.md), and seeds above 2^53 reach the server unchanged.
//
//   node page_check.js GEOSIM     (from the repository root; exit 0: all good, 1: a problem)
'use strict';
const assert = require('assert');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const page = require(path.join(root, 'analysis', 'studio', 'page', 'studio.js'));
const geosim = process.argv[2];

// The last day of step k, by the definition in docs/output.md: start + k steps - 1 day.
function lastDay(start, step, k) {
  const d = new Date(start + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + k * (step === 'week' ? 7 : 1) - 1);
  return d.toISOString().slice(0, 10);
}

// Weekly and daily steps: the charts' dates are the answer's, and the last days of the steps.
for (const file of ['scenarios/teaching.yaml', 'scenarios/variants/2019-daily-steps.yaml']) {
  const run = JSON.parse(execFileSync(geosim, ['run', file, '--runs', '50', '--format', 'json'], { cwd: root }));
  const surv = page.survivalRows(run);
  assert.strictEqual(surv.length, run.survival.length);
  surv.forEach((r, s) => {
    assert.strictEqual(r.date, run.dates[s], `${file}: survival at step ${s}`);
    assert.strictEqual(r.date, lastDay(run.start, run.step, s), `${file}: survival at step ${s}`);
    assert.strictEqual(r.p, run.survival[s]);
  });
  assert.ok(run.fans.length > 0, file + ' has a fan chart');
  const fan = run.fans[0];
  page.fanRows(fan).forEach((r, i) => {
    assert.strictEqual(r.date, lastDay(run.start, run.step, fan.steps[i]), `${file}: fan at step ${fan.steps[i]}`);
    assert.deepStrictEqual([r.p5, r.p25, r.p50, r.p75, r.p95], [fan.p5[i], fan.p25[i], fan.p50[i], fan.p75[i], fan.p95[i]]);
  });
  console.log(`page_check: ${file}: ${run.step === "week" ? "weekly" : "daily"} charts dated ${surv[1].date} for step 1 (start ${run.start})`);
}

// Seeds: every whole number from 0 to 2^64 - 1, kept exactly; anything else refused.
for (const [given, want] of [['0', '0'], ['1', '1'], [' 42 ', '42'], ['007', '7'],
  ['9007199254740993', '9007199254740993'], ['18446744073709551615', '18446744073709551615']])
  assert.strictEqual(page.seedText(given), want, `seed '${given}'`);
for (const bad of ['', '-1', '1.5', '1e3', 'abc', '0x10', '18446744073709551616', '99999999999999999999999'])
  assert.strictEqual(page.seedText(bad), null, `seed '${bad}'`);

// The request's text carries the seed's digits as a JSON number (the API takes a number).
const body = { file: 'teaching.yaml', set: { 'levers.sanctions.intensity': '0.5' }, runs: 2000, seed: '18446744073709551615' };
const text = page.requestText(body);
assert.ok(text.includes('"seed":18446744073709551615'), text);
assert.deepStrictEqual(JSON.parse(text).set, body.set);
assert.strictEqual(JSON.parse(text).runs, 2000);
assert.ok(page.requestText({ file: 'x.yaml', seed: '9007199254740993', run: '9007199254740995' })
  .endsWith('"seed":9007199254740993,"run":9007199254740995}'));
// The server reads the same seed: `geosim run` with it answers with that seed.
const cli = execFileSync(geosim, ['run', 'scenarios/teaching.yaml', '--runs', '20', '--seed', '18446744073709551615',
  '--format', 'json'], { cwd: root }).toString();
assert.ok(cli.includes('"seed": 18446744073709551615'), 'geosim run keeps the seed');
console.log('page_check: seeds up to 2^64 - 1 kept as digits: ' + text);
// The step check's p-values and words (POST /api/step-check): two significant digits, or
// "< 0.0001"; why it does not apply; the verdict, each warning as the command prints it, the command.
for (const [p, want] of [
         [1, '1'], [0.27014589557645874, '0.27'], [0.0004512, '0.00045'], [0.0001, '0.0001'], [0.00009999, '< 0.0001'],
         [0, '< 0.0001'], [0.05, '0.05']])
  assert.strictEqual(page.pvalue(p), want, `p-value ${p}`);
assert.strictEqual(
    page.stepCheckWords({applies: false, why: 'the step check needs format 2: why'}),
    'The step check needs format 2: why.');
const outcome = (id, differs) => ({id, differs});
const answer = {
  applies: true,
  step: 'week',
  runs: 40000,
  test: 'exact McNemar tests, Bonferroni over 3 outcomes',
  outcomes: [outcome('a', false), outcome('b', false), outcome('c', false)],
  warnings: [],
  command: 'geosim validate x.yaml --step-check --step-runs 40000 --seed 1'
};
assert.strictEqual(
    page.stepCheckWords(answer),
    'No outcome differs between weekly and daily steps beyond chance ' +
        '(40,000 paired runs; exact McNemar tests, Bonferroni over 3 outcomes).\n$ ' + answer.command);
answer.outcomes[1].differs = true;
answer.warnings = ['x.yaml:9:5: warning: outcome b: ...'];
assert.strictEqual(
    page.stepCheckWords(answer).split('\n')[0],
    '1 of 3 outcomes differs between weekly and daily ' +
        'steps beyond chance (40,000 paired runs; exact McNemar tests, Bonferroni over 3 outcomes).');
assert.strictEqual(page.stepCheckWords(answer).split('\n')[1], answer.warnings[0]);
answer.outcomes[2].differs = true;
assert.ok(page.stepCheckWords(answer).startsWith('2 of 3 outcomes differ between'));
console.log('page_check: the step check in words: ' + page.stepCheckWords(answer).split('\n')[0]);
console.log('page_check: all good');
