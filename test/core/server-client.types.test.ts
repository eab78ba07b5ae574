/**
 * serverClient typing, type-checked by `vitest run` (typecheck mode): registering the component
 * (as authors do with `declare module 'vite-plugin-mikr0/runtime'`) types every action call,
 * including inside the component's own mount code.
 */
import { expect, expectTypeOf, test } from 'vitest';
import { createComponent, createServerClient, serverClient } from '../../runtime/index.js';

const card = createComponent({
  parameters: { id: { type: 'string', mandatory: true } },
  loader: ({ parameters }) => ({ id: parameters.id }),
  actions: {
    rename: async (input: { id: string; title: string }) => ({ ok: true as const, title: input.title }),
    count: () => 42,
  },
  mount(element, data) {
    element.addEventListener('click', async () => {
      const renamed = await serverClient.rename({ id: data.id, title: 'x' });
      expectTypeOf(renamed).toEqualTypeOf<{ ok: true; title: string }>();
    });
  },
});

declare module '../../runtime/index.js' {
  interface Register {
    component: typeof card;
  }
}

test('the registered component types serverClient', async () => {
  expectTypeOf(serverClient.count).returns.toEqualTypeOf<Promise<number>>();
  expectTypeOf(serverClient.rename).parameter(0).toEqualTypeOf<{ id: string; title: string } | undefined>();
  // @ts-expect-error: the component has no such action
  expectTypeOf(serverClient.missing).toBeUnknown();
  // @ts-expect-error: wrong input shape
  expectTypeOf(serverClient.rename).toBeCallableWith({ id: 1 });
  // Outside code built by mikr0() it is unbound, and says so.
  await expect(serverClient.count()).rejects.toThrow(/bound to a component by the mikr0\(\) Vite plugin/);
});

test('createServerClient<typeof component> types a client for any component', () => {
  const client = createServerClient<typeof card>({ baseUrl: 'https://registry.example.com/r', name: 'card', version: '1.0.0' });
  expectTypeOf(client.count).returns.toEqualTypeOf<Promise<number>>();
  const untyped = createServerClient<never>({ baseUrl: 'https://registry.example.com/r', name: 'card', version: '1.0.0' });
  expectTypeOf(untyped.anything).toEqualTypeOf<(input?: any) => Promise<any>>();
});
