// Why the annotate benchmark must not poll with animation frames: a strict-durability
// IndexedDB write started in a keydown, timed to its `complete` event, in four settings —
// nothing else going on; the keydown also changing the DOM; an animation-frame loop running
// until the write completes; both. 40 writes of each, interleaved, 60 ms apart.
//
//   node bench/idb_frames.mjs <app url>
//
// (Run by hand for BENCHMARKS.md's notes; any page of the app's origin will do.)
import { launch, openPage } from '../e2e/browser.mjs';

const base = process.argv[2] ?? 'http://127.0.0.1:8080/';
const browser = await launch();
try {
  const { page } = await openPage(browser);
  await page.goto(new URL('about', base).href);
  await page.evaluate(async () => {
    window.db = await new Promise((resolve, reject) => {
      const open = indexedDB.open('bench-idb-frames', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('s', { autoIncrement: true });
      open.onsuccess = () => resolve(open.result);
      open.onerror = reject;
    });
    window.times = { quiet: [], 'DOM change': [], 'frame loop': [], 'DOM change + frame loop': [] };
    const box = document.body.appendChild(document.createElement('p'));
    const settings = { a: [false, false, 'quiet'], b: [true, false, 'DOM change'], c: [false, true, 'frame loop'], d: [true, true, 'DOM change + frame loop'] };
    addEventListener('keydown', (e) => {
      const setting = settings[e.key];
      if (!setting) return;
      const [dom, loop, name] = setting;
      const t0 = performance.now();
      let done = false;
      if (dom) box.textContent = `Saving… ${t0}`;
      if (loop) requestAnimationFrame(function tick() { if (!done) requestAnimationFrame(tick); });
      const tx = db.transaction('s', 'readwrite', { durability: 'strict' });
      tx.objectStore('s').add({ record: 'x'.repeat(200) });
      tx.oncomplete = () => { done = true; times[name].push(performance.now() - t0); };
    });
  });
  for (let i = 0; i < 40; i++) {
    for (const key of ['a', 'b', 'c', 'd']) {
      await page.keyboard.press(key);
      await page.waitForTimeout(60);
    }
  }
  const times = await page.evaluate(() => window.times);
  for (const [name, t] of Object.entries(times)) {
    t.sort((a, b) => a - b);
    const q = (p) => t[Math.round((t.length - 1) * p)].toFixed(1);
    console.log(`${name}: median ${q(0.5)} ms, p95 ${q(0.95)} ms (${t.length} writes)`);
  }
} finally {
  await browser.close();
}
