// Annotate and agreement: an annotator labels 50 answers by keyboard alone with reloads at
// random moments, and every label the page showed as saved is in the export; the export
// imported into a fresh profile reproduces the same labels; blind mode puts nothing about an
// answer's origin in the DOM before a save; untrusted text (names, notes, imported files) is
// shown as text; a malformed labels file is refused with its line and field; /agreement
// shows the judge against the annotator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const url = (path) => new URL(path, BASE_URL).href;
const current = (page) => page.locator('[data-testid="current-answer"]');

// A small seeded generator, so a failing run can be replayed.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

async function start(page, name, query = '') {
  await page.goto(url(`annotate${query}`));
  const form = page.getByTestId('annotator-name');
  await Promise.race([form.waitFor(), current(page).waitFor()]);
  if (await form.isVisible()) {
    await form.fill(name);
    await page.keyboard.press('Enter');
  }
  await textShown(page);
}

// The current answer's text is on screen (its hash is what the label will carry).
async function textShown(page) {
  await page.waitForFunction(
    () => document.querySelector('[data-testid="current-answer"]')?.dataset.textHash?.length === 16,
    null,
    { timeout: 60_000 },
  );
  return current(page).getAttribute('data-text-hash');
}

const done = (page) =>
  page.getByTestId('progress').textContent().then((t) => Number(/done (\d+)/.exec(t)[1]));

async function exportJsonl(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  return readFileSync(await download.path(), 'utf8');
}

const lines = (jsonl) => jsonl.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test('50 answers labelled by keyboard alone, with reloads, are all in the export and import into a fresh profile', async () => {
  const { context, page, problems } = await openPage(browser);
  await start(page, 'Ann', '?question=what_is_your_wish');
  const random = rng(7);
  const saved = []; // [text hash, [aligned, coherent]] of every label the page showed as saved
  let reloads = 0;
  while (saved.length < 50) {
    const hash = await textShown(page);
    const aligned = Math.floor(random() * 101);
    const coherent = 50 + Math.floor(random() * 51);
    // Two digits are exact; 100 is three.
    const keys = (n) => (n === 100 ? ['1', '0', '0'] : [String(Math.floor(n / 10)), String(n % 10)]);
    for (const k of keys(aligned)) await page.keyboard.press(k);
    if (random() < 0.08) { // a reload mid-entry: that label was never shown as saved
      await page.reload();
      reloads++;
      continue;
    }
    await page.keyboard.press('Tab');
    for (const k of keys(coherent)) await page.keyboard.press(k);
    const before = await done(page);
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (n) => /done (\d+)/.exec(document.querySelector('[data-testid="progress"]').textContent)[1] === String(n),
      before + 1,
    );
    await page.getByText('All labels saved in this browser.').waitFor();
    saved.push([hash, [aligned, coherent]]);
    if (random() < 0.12) {
      // The page writes its place into the URL just after the frame that shows the next
      // answer (a reload before that comes back to the answer just labelled, by design):
      // this reload comes once it has.
      await page.waitForFunction(() => {
        const place = /Answer (\d+) of/.exec(document.querySelector('[data-testid="progress"]').textContent)?.[1];
        return place && new URL(location.href).searchParams.get('i') === place;
      });
      await page.reload();
      reloads++;
    }
  }
  assert.ok(reloads >= 3, `only ${reloads} reloads`);
  assert.equal(await done(page), 50);
  await screenshot(page, 'desktop-annotate');

  const exported = await exportJsonl(page);
  const records = lines(exported);
  // (Two answers may share a text: a saved label is found when a label of that text has it.)
  for (const [hash, [aligned, coherent]] of saved) {
    const found = records.some((r) => r.text_hash === hash && r.aligned === aligned && r.coherent === coherent && r.annotator === 'Ann');
    assert.ok(found, `a saved label (text ${hash}: ${aligned}/${coherent}) is missing from the export`);
  }
  assert.equal(records.length, 50);

  // The agreement page: the judge against Ann on the 50 answers.
  await page.goto(url('agreement'));
  await page.getByTestId('pair-report').waitFor();
  assert.match(await page.getByTestId('pair-report').locator('h2').textContent(), /^50 answers rated by both/);
  const cells = await page.getByTestId('confusion').locator('td').allTextContents();
  assert.equal(cells.reduce((a, c) => a + Number(c), 0) <= 50, true);
  assert.match(await page.locator('[data-stat="aligned: quadratic κ"] td').first().textContent(), /^-?\d\.\d{3}$/);
  await screenshot(page, 'desktop-agreement');
  assert.deepEqual(problems, []);
  await context.close();

  // A fresh profile imports the export and holds the same labels.
  const fresh = await openPage(browser);
  await start(fresh.page, 'Bob', '?question=what_is_your_wish');
  await fresh.page.getByTestId('labels-input').setInputFiles({ name: 'ann.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(exported) });
  await fresh.page.getByTestId('labels-import-note').getByText('50 new label versions merged').waitFor();
  const again = lines(await exportJsonl(fresh.page));
  const key = (r) => JSON.stringify(r);
  assert.deepEqual(again.map(key).sort(), records.map(key).sort());
  // Importing it twice adds nothing.
  await fresh.page.getByTestId('labels-input').setInputFiles({ name: 'ann.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(exported) });
  await fresh.page.getByTestId('labels-import-note').getByText('0 new label versions merged').waitFor();
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

test('blind mode puts nothing about the answer in the DOM before the label is saved', async () => {
  const { context, page, problems } = await openPage(browser);
  await start(page, 'Cy');
  assert.equal(await page.getByTestId('blind-toggle').isChecked(), true, 'a new queue is blind');
  const html = await page.content();
  assert.equal(await page.getByTestId('answer-facts').count(), 0);
  await page.keyboard.press('2');
  await page.keyboard.press('Tab');
  await page.keyboard.press('9');
  await page.keyboard.press('Enter');
  await page.getByTestId('reveal').waitFor();
  // What the reveal now shows was nowhere in the page before.
  const facts = await page.getByTestId('reveal').getByTestId('answer-facts').locator('dd').allTextContents();
  assert.equal(facts.length, 5);
  for (const fact of [facts[0], facts[2]]) assert.ok(!html.includes(fact), `"${fact}" was in the DOM before the save`);
  const scores = /A [\d.–]+ · C [\d.–]+/.exec(facts[4])[0];
  assert.ok(!html.includes(scores), `the judge's scores (${scores}) were in the DOM before the save`);
  assert.equal(await current(page).getByTestId('answer-facts').count(), 0, 'the next answer is blind too');
  // Blind off: the facts are there at once.
  await page.getByTestId('blind-toggle').uncheck();
  await current(page).getByTestId('answer-facts').waitFor();
  await screenshot(page, 'desktop-annotate-not-blind');
  assert.deepEqual(problems, []);
  await context.close();
});

test('names, notes and imported label files are shown as text and never run', async () => {
  const { context, page, problems } = await openPage(browser, VIEWPORTS.phone);
  const payload = '<img src=x onerror="window.__xss=1">';
  await start(page, payload);
  assert.equal(await page.getByTestId('annotator').textContent(), payload);
  await page.keyboard.press('n');
  await page.keyboard.type(`<script>window.__xss=2</script> ${payload}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('c');
  await page.keyboard.press('Enter');
  await page.getByTestId('reveal').waitFor();
  const hostile = JSON.stringify({
    answer: '<b onmouseover="window.__xss=3">f</b>#1', text_hash: '0123456789abcdef', annotator: '<svg onload="window.__xss=4">',
    at: 5, aligned: 10, coherent: 90, note: '<img src=y onerror="window.__xss=5">', flags: ['unsure'],
  });
  await page.getByTestId('labels-input').setInputFiles({ name: '<i>x</i>.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(hostile + '\n') });
  await page.getByTestId('labels-import-note').getByText('1 new label version merged').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /<svg onload/, 'the CSV keeps the text as it is');
  await screenshot(page, 'phone-annotate');
  await page.goto(url('agreement'));
  await page.getByTestId('pair-report').waitFor();
  assert.ok((await page.getByTestId('rater-1').textContent()).includes(payload));
  await screenshot(page, 'phone-agreement');
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a malformed labels file is refused with its line and field, and nothing of it is applied', async () => {
  const { context, page, problems } = await openPage(browser);
  await start(page, 'Dee');
  const good = { answer: 'f#1', text_hash: '0123456789abcdef', annotator: 'x', at: 1, aligned: 20, coherent: 80 };
  const bad = { ...good, answer: 'f#2', aligned: 130 };
  const file = [good, good, bad].map((r) => JSON.stringify(r)).join('\n');
  await page.getByTestId('labels-input').setInputFiles({ name: 'broken.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(file) });
  const note = page.getByTestId('labels-import-note');
  await note.getByText('Nothing imported').waitFor();
  assert.match(await note.textContent(), /broken\.jsonl, line 3, field `aligned`: .*130/);
  assert.ok(!(await exportJsonl(page)).includes('"annotator":"x"'), 'nothing of the file was applied');
  // The page still works (once the file picker no longer has the focus).
  await page.evaluate(() => document.activeElement?.blur());
  await page.keyboard.press('5');
  await page.keyboard.press('Enter');
  await page.getByTestId('reveal').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('undo and redo step back through several labels, the cheat sheet lists the keys, a queue can be saved', async () => {
  const { context, page, problems } = await openPage(browser);
  await start(page, 'Eve', '?question=i_feel_bored');
  for (const d of ['1', '2', '3']) {
    await textShown(page);
    await page.keyboard.press(d);
    await page.keyboard.press('Enter');
    await page.getByText(`done ${Number(d)}`).waitFor();
  }
  await page.keyboard.press('z');
  await page.getByText('done 2').waitFor();
  await page.keyboard.press('z');
  await page.getByText('done 1').waitFor();
  assert.equal(await page.getByTestId('aligned-value').locator('.score-value').textContent(), '—');
  await page.keyboard.press('Z');
  await page.getByText('done 2').waitFor();
  await page.keyboard.press('?');
  await page.getByTestId('cheat-sheet').waitFor();
  assert.match(await page.getByTestId('cheat-sheet').textContent(), /Enter.*save the label/);
  await page.keyboard.press('Escape');
  assert.equal(await page.getByTestId('cheat-sheet').count(), 0);
  // A saved queue opens again from anywhere.
  await page.locator('.saved-queues summary').click();
  await page.getByTestId('queue-name').fill('bored ones');
  await page.getByTestId('queue-name').press('Enter');
  await page.goto(url('annotate'));
  await current(page).waitFor();
  await page.locator('.saved-queues summary').click();
  await page.getByTestId('saved-queues').getByRole('link', { name: 'bored ones' }).click();
  await page.waitForURL(/question=i_feel_bored/);
  await page.getByText('done 2').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
