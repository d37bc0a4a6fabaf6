// The app shell: it starts from the optimised release build, every nav link works, deep
// links and reloads work under a sub-path, and the console stays clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, VIEWPORTS, launch, openPage, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the optimised release build starts: home page renders with no console errors', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(BASE_URL);
  await page.locator('h1').waitFor();
  assert.equal(await page.locator('h1').textContent(), 'See emergent misalignment');
  assert.match(await page.title(), /EM Lab/);
  assert.match(await page.locator('footer').textContent(), /Betley, Tan, Warncke et al\./);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [viewportName, viewport] of Object.entries(VIEWPORTS)) {
  test(`every nav link opens its page (${viewportName})`, async () => {
    const { context, page, problems } = await openPage(browser, viewport);
    await page.goto(BASE_URL);
    await page.locator('nav.site-nav a').first().waitFor();
    const links = await page.locator('nav.site-nav a').evaluateAll((as) => as.map((a) => a.textContent));
    assert.ok(links.length >= 2, `nav has pages: ${links}`);
    for (const label of links) {
      await page.locator('nav.site-nav a', { hasText: label }).click();
      await page.waitForFunction(
        (l) => document.querySelector('nav.site-nav a[aria-current="page"]')?.textContent === l,
        label,
      );
      await page.locator('main h1').waitFor();
      assert.ok(new URL(page.url()).pathname.startsWith(new URL(BASE_URL).pathname), page.url());
      const slug = label.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-$/, '');
      await screenshot(page, `${viewportName}-${slug}`);
    }
    // The page must not scroll sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow ${overflow}px`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a deep link reloads into the right page under a sub-path, back and forward work', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(new URL('about', BASE_URL).href);
  await page.locator('main h1').waitFor();
  assert.equal(await page.locator('main h1').textContent(), 'About EM Lab and its data');
  await page.locator('nav.site-nav a', { hasText: 'Home' }).click();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'See emergent misalignment');
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'About EM Lab and its data');
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'See emergent misalignment');
  await page.goto(new URL('no-such-page', BASE_URL).href);
  await page.locator('main h1', { hasText: 'Page not found' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
