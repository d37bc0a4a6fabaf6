// Shared set-up for the end-to-end tests: Debian's Chromium driven by playwright-core
// (never a downloaded browser), with WebGPU through SwiftShader as on the CI machine.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE_URL = process.env.EM_LAB_URL ?? 'http://127.0.0.1:8080/';
export const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? 'target/screenshots';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan,WebGPU',
  '--use-angle=swiftshader',
];

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

// A page that records every console error, uncaught exception and failed request, so a
// test can assert the app ran cleanly (a broken wasm-opt build throws at start-up).
export async function openPage(browser, viewport = VIEWPORTS.desktop) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A navigation cancels requests still in flight (net::ERR_ABORTED): not a fault of the
    // app. A missing file shows up as an HTTP error below.
    const error = req.failure()?.errorText;
    if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()} ${error}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
