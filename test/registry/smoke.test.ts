import { afterAll, beforeAll, expect, test } from 'vitest';
import { publish, startRegistry, type TestRegistry } from '../helpers.js';

let registry: TestRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(() => registry.close());

test('publish then render', async () => {
  const res = await publish(registry, 'hello');
  expect(res.status, await res.clone().text()).toBe(201);
  const render = await fetch(`${registry.url}/r/component/hello/1.x?name=Ann`, { headers: { 'accept-language': 'fr-FR' } });
  expect(await render.json()).toMatchObject({ name: 'hello', version: '1.0.0', data: { greeting: 'Bonjour, Ann!' } });
});
