/**
 * A starter in `npm run dev`, as a new user sees it: `vite` started as a child process of the
 * installed project, `/` (the playground on the component) in Chromium. The component must
 * mount, a loader edit must show without a reload, and a syntax error must show Vite's
 * overlay and recover.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { expect } from 'vitest';

/** Starts `vite` (dev) in `dir` on a free loopback port; resolves with its URL once it listens. */
export function startVite(dir: string, env: NodeJS.ProcessEnv): Promise<{ url: string; output: () => string; stop: () => Promise<void> }> {
  const child = spawn('npx', ['--no-install', 'vite', '--host', '127.0.0.1', '--port', '0'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A group of its own: npx starts vite as a child, and stopping ends both.
    detached: true,
  });
  let out = '';
  const stop = () => stopChild(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (void stop(), reject(new Error(`vite did not start:\n${out}`))), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => out, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vite exited with ${code}:\n${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(-child.pid!, 'SIGTERM');
  });
}

/** The starter file whose loader builds `greeting` (index.ts or index.tsx). */
async function loaderFile(dir: string): Promise<string> {
  for (const name of ['index.ts', 'index.tsx']) {
    const file = path.join(dir, 'src', name);
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    if (text.includes('greeting: `')) return file;
  }
  throw new Error(`no loader building greeting in ${dir}/src`);
}

/** The client file with the like button's label (each starter's Card, or card.ts). */
async function clientFile(dir: string): Promise<string> {
  for (const name of await fs.readdir(path.join(dir, 'src'))) {
    const file = path.join(dir, 'src', name);
    if (/\.(ts|tsx|vue|svelte)$/.test(name) && (await fs.readFile(file, 'utf8')).includes('♥ Like')) return file;
  }
  throw new Error(`no client file with the like button in ${dir}/src`);
}

/** Saves as editors do: the whole new text at once (a watcher never reads a half-written file). */
async function save(file: string, text: string): Promise<number> {
  // A person's edits are seconds apart; back-to-back saves can fall into the watcher's
  // debounce of a replaced file and one of them go unseen.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await fs.writeFile(`${file}.tmp`, text);
  await fs.rename(`${file}.tmp`, file);
  return Date.now();
}

/** In Chromium: `/` hydrates the component's server HTML with no console error; edits apply without a reload. */
export async function checkDev(browser: Browser, url: string, dir: string): Promise<{ mount: number; loaderEdit: number; clientEdit: number }> {
  const context = await browser.newContext();
  const file = await loaderFile(dir);
  const original = await fs.readFile(file, 'utf8');
  const client = await clientFile(dir);
  const clientOriginal = await fs.readFile(client, 'utf8');
  const page = await context.newPage();
  try {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('console', (message) => void ((message.type() === 'error' || /hydrat/i.test(message.text())) && errors.push(message.text())));
    // Every mount the runtime reports: in dev too, the server's HTML is hydrated.
    await page.addInitScript(() => {
      (window as any).mounts = [];
      document.addEventListener('mikr0:mounted', (event) => (window as any).mounts.push((event as CustomEvent).detail.hydrated));
    });
    const mounts = () => page.evaluate(() => (window as any).mounts as boolean[]);
    const greeting = () => page.textContent('mikro-component [data-testid=greeting]');
    let started = Date.now();
    await page.goto(`${url}/`);
    await page.waitForSelector('mikro-component[state=mounted] [data-testid=greeting]', { timeout: 20_000 });
    const mount = Date.now() - started;
    expect(await greeting()).toMatch(/World/);
    expect((await mounts()).length).toBeGreaterThan(0);
    expect(await mounts()).not.toContain(false);
    // Not published: no sizes of a bundle that does not exist, no publish date.
    await page.waitForSelector('[data-live]');
    expect(await page.textContent('.component-header')).not.toMatch(/0 B gz|published [A-Z0-9]/);
    await page.evaluate(() => ((window as any).notReloaded = true));
    // The action console runs the starter's like as it comes (its input starts as the data).
    await page.waitForFunction(() => /"count"/.test((document.querySelector('#action-input') as HTMLTextAreaElement | null)?.value ?? ''));
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForSelector('[data-action-result][data-state=ok]', { timeout: 10_000 });

    // A loader edit: the new data shows, same page.
    started = await save(file, original.replace('greeting: `', "greeting: 'Edited: ' + `"));
    await page.waitForFunction(() => /^Edited: /.test(document.querySelector('mikro-component [data-testid=greeting]')?.textContent ?? ''), null, { timeout: 20_000 });
    const loaderEdit = Date.now() - started;
    // Rendered again on the server, and hydrated again.
    await page.waitForFunction(() => (window as any).mounts.length >= 2);
    expect((await mounts()).at(-1)).toBe(true);

    // A client edit: the new markup shows, same page.
    started = await save(client, clientOriginal.replaceAll('♥ Like', '♥ Love'));
    await page.waitForFunction(() => /Love/.test(document.querySelector('mikro-component [data-testid=like]')?.textContent ?? ''), null, { timeout: 20_000 });
    const clientEdit = Date.now() - started;
    await save(client, clientOriginal);
    await page.waitForFunction(() => /Like/.test(document.querySelector('mikro-component [data-testid=like]')?.textContent ?? ''), null, { timeout: 20_000 });

    // A syntax error: Vite's overlay; fixed, the overlay goes and the component is back.
    await save(file, original.replace('greeting: `', 'greeting: = `'));
    await page.waitForSelector('vite-error-overlay', { timeout: 20_000 });
    await save(file, original);
    await page.waitForFunction(() => !document.querySelector('vite-error-overlay'), null, { timeout: 20_000 });
    await page.waitForFunction(() => /World/.test(document.querySelector('mikro-component [data-testid=greeting]')?.textContent ?? '') && !/^Edited/.test(document.querySelector('mikro-component [data-testid=greeting]')?.textContent ?? ''), null, { timeout: 20_000 });
    expect(await page.evaluate(() => (window as any).notReloaded)).toBe(true);
    // The syntax error is expected to be logged while it is there; nothing else is.
    expect(errors.filter((e) => !/Transform failed|Failed to (load|fetch|reload)|500|Expected|Unexpected|\[vite\]|\[hmr\]|server-update/i.test(e))).toEqual([]);
    return { mount, loaderEdit, clientEdit };
  } catch (error) {
    // Say what the page showed: the greeting, the state, an overlay.
    const shown = await page.evaluate(() => ({
      state: document.querySelector('mikro-component')?.getAttribute('state'),
      greeting: document.querySelector('mikro-component [data-testid=greeting]')?.textContent,
      overlay: Boolean(document.querySelector('vite-error-overlay')),
    })).catch(() => null);
    throw new Error(`${(error as Error).message}\npage: ${JSON.stringify(shown)}`);
  } finally {
    await save(file, original);
    await save(client, clientOriginal);
    await context.close();
  }
}
