/**
 * After a sandbox process dies, only the version whose code it was running is to blame. A
 * render that was only waiting there is run again in a process of its own, not failed.
 * The crash is staged with the test-only real `process`: the culprit's render is answered,
 * but it leaves a listener in the host that sends the process SIGABRT (the signal V8 dies of
 * when the heap runs out) as soon as the bystander's render arrives, before its code runs.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { publishServer, startRegistry, type TestRegistry } from '../helpers.js';

const components: Record<string, string> = {
  bystander: `module.exports = { loader: () => globalThis.__mikr0TestProcess.pid };`,
  other: `module.exports = { loader: () => globalThis.__mikr0TestProcess.pid };`,
  tripwire: `module.exports = { loader() { const p = globalThis.__mikr0TestProcess;
    p.on('message', (batch) => { if (batch.some((m) => m.t === 'run' && m.name === 'bystander')) p.kill(p.pid, 'SIGABRT') });
    return p.pid } };`,
};

let registry: TestRegistry;
const render = async (name: string) => {
  const res = await fetch(`${registry.url}/r/component/${name}/1.0.0`);
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  registry = await startRegistry({ dangerouslyExposeProcessForTests: true });
  for (const [name, server] of Object.entries(components)) await publishServer(registry, name, server);
});
afterAll(() => registry.close());

test('a render waiting in a process killed by another component’s code runs again elsewhere, and is not blamed', async () => {
  // A fresh pool of two: the bystander's home is the first process, `other` takes the second,
  // and the tripwire (a tie) goes to the first, where the bystander's next render will go.
  const home = await render('bystander');
  expect((await render('other')).status).toBe(200);
  expect((await render('tripwire')).body.data).toBe(home.body.data);

  const caught = await render('bystander');
  expect(caught.body.error).toBeUndefined();
  expect(caught.status).toBe(200);
  expect(caught.body.data).not.toBe(home.body.data);
  expect(registry.logger.lines).toContainEqual(expect.stringMatching(/process ended \(ran out of memory.*\) while running tripwire@1\.0\.0; 1 job/));
  // Counted against no one: the bystander did nothing, the tripwire's render had its answer.
  const metrics = await (await fetch(`${registry.url}/metrics`)).text();
  expect(metrics).not.toMatch(/component="(bystander|tripwire)@1\.0\.0"/);
  expect(metrics).toMatch(/^mikr0_sandbox_restarts_total 1$/m);
  expect((await render('bystander')).status).toBe(200);
});
