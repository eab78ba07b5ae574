/**
 * Type-level tests: `vitest run` type-checks this file (typecheck mode, vitest.config.ts), so a
 * wrong inference fails the test it is in; the @ts-expect-error lines fail when an error goes away.
 */
import { expectTypeOf, test } from 'vitest';
import { createComponent, type ComponentActions, type ComponentData } from '../../runtime/index.js';

const component = createComponent({
  parameters: {
    name: { type: 'string', mandatory: true },
    count: { type: 'number', default: 1 },
    loud: { type: 'boolean' },
    size: { type: 'string', enum: ['s', 'm'] },
  },
  plugins: {
    getUser: (id: number) => ({ id, name: 'Ann' }),
  },
  async loader({ parameters, headers, plugins }) {
    expectTypeOf(parameters.name).toEqualTypeOf<string>();
    expectTypeOf(parameters.count).toEqualTypeOf<number>();
    expectTypeOf(parameters.loud).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(parameters.size).toEqualTypeOf<'s' | 'm' | undefined>();
    expectTypeOf(headers['accept-language']).toEqualTypeOf<string | undefined>();
    const user = await plugins.getUser(1);
    expectTypeOf(plugins.getUser).returns.toEqualTypeOf<Promise<{ id: number; name: string }>>();
    // @ts-expect-error: plugins not declared do not exist
    plugins.missing();
    return { greeting: `hi ${parameters.name}`, user };
  },
  actions: {
    add: (input: { a: number; b: number }) => ({ sum: input.a + input.b }),
  },
  mount(element, data, meta) {
    expectTypeOf(element).toEqualTypeOf<HTMLElement>();
    expectTypeOf(data.greeting).toEqualTypeOf<string>();
    expectTypeOf(data.user.name).toEqualTypeOf<string>();
    expectTypeOf(meta.baseUrl).toEqualTypeOf<string>();
    // @ts-expect-error: the loader returned no such field
    void data.nope;
  },
  render(data) {
    expectTypeOf(data.greeting).toEqualTypeOf<string>();
    return `<p>${data.greeting}</p>`;
  },
  hydrate(element, data, meta) {
    expectTypeOf(element).toEqualTypeOf<HTMLElement>();
    expectTypeOf(data.user.id).toEqualTypeOf<number>();
    expectTypeOf(meta.version).toEqualTypeOf<string>();
    // @ts-expect-error: the loader returned no such field
    void data.nope;
  },
});

test('render must return HTML text', () => {
  // @ts-expect-error: render returns a string (or a promise of one), not a node
  createComponent({ loader: () => ({ a: 1 }), render: (data) => ({ html: data.a }) });
  createComponent({ loader: () => ({ a: 1 }), render: async (data) => `<b>${data.a}</b>` });
});

test('component types infer end to end', () => {
  expectTypeOf<ComponentData<typeof component>>().toEqualTypeOf<{ greeting: string; user: { id: number; name: string } }>();
  expectTypeOf<ComponentActions<typeof component>['add']>().parameter(0).toEqualTypeOf<{ a: number; b: number } | undefined>();
  expectTypeOf<ComponentActions<typeof component>['add']>().returns.toEqualTypeOf<Promise<{ sum: number }>>();
  // @ts-expect-error: a default must match the parameter's type
  createComponent({ parameters: { n: { type: 'number', default: 'x' } } });
  // @ts-expect-error: unknown parameter types are refused
  createComponent({ parameters: { n: { type: 'date' } } });
});
