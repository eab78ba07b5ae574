/**
 * `<mikro-component>` typings for TSX (React, Preact, Solid, Vue) and Svelte markup, checked as
 * an app would: one small project per framework, each with its own JSX settings (one program
 * cannot hold five JSX runtimes), compiled by `tsc` against the BUILT typings in dist/, reached
 * through the package's exports. Each project also compiles without the typings line, which must
 * fail, so the typings are what makes the difference.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { root, tempDir } from '../helpers.js';

const run = promisify(execFile);
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const dist = path.join(root, 'dist', 'runtime', 'client');

/** The two ways an app enables a framework's typings. */
const typings = (framework: string, form: 'import' | 'reference' = 'import') =>
  form === 'import'
    ? `import type {} from 'vite-plugin-mikr0/jsx/${framework}';\n`
    : `/// <reference types="vite-plugin-mikr0/jsx/${framework}" />\n`;

/**
 * `<parent>/node_modules/vite-plugin-mikr0`: the package's exports
 * over dist/, linked, or a copy of the runtime's types alone (away from any node_modules).
 */
async function installPackage(parent: string, dist: 'link' | 'copy') {
  const pkg = path.join(parent, 'node_modules', 'vite-plugin-mikr0');
  await fs.mkdir(pkg, { recursive: true });
  const { name, type, exports } = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8'));
  await fs.writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name, type, exports }));
  if (dist === 'link') await fs.symlink(path.join(root, 'dist'), path.join(pkg, 'dist'), 'dir');
  else for (const area of ['client', 'shared']) await fs.cp(path.join(root, 'dist', 'runtime', area), path.join(pkg, 'dist', 'runtime', area), { recursive: true });
}

/** Uses in TSX: valid ones, and misuses that must stay errors. */
const tsx = `
import type { MikroComponentElement } from 'vite-plugin-mikr0/client';

export const valid = [
  <mikro-component name="hello" version="1.x" loading="lazy" parameters={JSON.stringify({ name: 'World' })} compress={512} data-test="a" />,
  <mikro-component src="https://registry.example.com/r/component/hello/1.x?name=World" registry="https://registry.example.com" />,
];
// @ts-expect-error name (or src) is required
export const noName = <mikro-component version="1.x" />;
// @ts-expect-error loading is lazy or eager
export const soon = <mikro-component name="hello" loading="soon" />;
// @ts-expect-error parameters go in parameters='{...}', not attributes of their own
export const parameter = <mikro-component name="hello" greeting="Bonjour" />;

export const element: MikroComponentElement | null = document.querySelector('mikro-component');
`;

/** Svelte markup needs svelte-check: the same checks on the type its markup is checked against. */
const svelte = `
import type { SvelteHTMLElements } from 'svelte/elements';
import type { MikroComponentElement } from 'vite-plugin-mikr0/client';

type Attributes = SvelteHTMLElements['mikro-component'];
export const valid: Attributes[] = [
  { name: 'hello', version: '1.x', loading: 'lazy', parameters: '{"name":"World"}', compress: 512, class: 'card' },
  { src: 'https://registry.example.com/r/component/hello/1.x' },
];
// @ts-expect-error name (or src) is required
export const noName: Attributes = { version: '1.x' };
// @ts-expect-error loading is lazy or eager
export const soon: Attributes = { name: 'hello', loading: 'soon' };

export const element: MikroComponentElement | null = document.querySelector('mikro-component');
`;

/** Vue SFC templates need vue-tsc: the same checks on the type vue-tsc checks a template's tag against. */
const vueTemplates = `
import type { GlobalComponents } from 'vue';

type TemplateProps = InstanceType<GlobalComponents['mikro-component']>['$props'];
export const templateValid: TemplateProps = { name: 'hello', version: '1.x', loading: 'lazy', class: 'card' };
// @ts-expect-error loading is lazy or eager
export const templateSoon: TemplateProps = { name: 'hello', loading: 'soon' };
`;

interface Project {
  file: string;
  jsx?: string;
  jsxImportSource?: string;
  skipLibCheck?: boolean;
}

const cases: (Project & { framework: string; form: 'import' | 'reference'; source: string })[] = [
  { framework: 'react', form: 'reference', jsx: 'react-jsx', jsxImportSource: 'react', file: 'app.tsx', source: tsx },
  { framework: 'preact', form: 'import', jsx: 'react-jsx', jsxImportSource: 'preact', file: 'app.tsx', source: tsx },
  { framework: 'solid', form: 'reference', jsx: 'preserve', jsxImportSource: 'solid-js', file: 'app.tsx', source: tsx },
  { framework: 'vue', form: 'import', jsx: 'preserve', jsxImportSource: 'vue', file: 'app.tsx', source: tsx + vueTemplates },
  { framework: 'svelte', form: 'reference', file: 'app.ts', source: svelte },
];

let dir: string;

beforeAll(async () => {
  if (!existsSync(path.join(dist, 'jsx'))) throw new Error('dist/runtime/client/jsx is missing: run `npm run build` first');
  dir = await tempDir('mikr0-jsx-');
  // The frameworks, from the repository's devDependencies, one folder up from the package.
  await fs.symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await installPackage(path.join(dir, 'apps'), 'link');
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** Writes a project (a Vite app's settings) in `dir`/apps (or at an absolute path) and runs `tsc --noEmit -p` on it. */
async function check(name: string, { jsx, jsxImportSource, file, skipLibCheck = true }: Project, source: string) {
  const project = path.resolve(dir, 'apps', name);
  await fs.mkdir(project, { recursive: true });
  const compilerOptions = {
    target: 'ES2022',
    module: 'preserve',
    moduleResolution: 'bundler',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    types: [],
    strict: true,
    noEmit: true,
    // Off, the frameworks' .d.ts are checked too (5x slower); typings that broke into `any` fail
    // the @ts-expect-error lines anyway.
    skipLibCheck,
    ...(jsx && { jsx, jsxImportSource }),
  };
  await fs.writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }, null, 2));
  await fs.writeFile(path.join(project, file), source);
  try {
    await run(tsc, ['--noEmit', '-p', project], { cwd: project });
    return { code: 0, output: '' };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, output: stdout + stderr };
  }
}

describe('<mikro-component> typings', () => {
  test('./client needs no framework: the DOM tag map, our .d.ts files checked too', async () => {
    // Away from any node_modules: no framework to find.
    const alone = await tempDir('mikr0-jsx-alone-');
    onTestFinished(() => fs.rm(alone, { recursive: true, force: true }));
    await installPackage(alone, 'copy');
    const source = `import type { MikroComponentAttributes, MikroComponentElement } from 'vite-plugin-mikr0/client';
export const element: MikroComponentElement | null = document.querySelector('mikro-component');
export const attributes: MikroComponentAttributes = { name: 'hello', loading: 'lazy' };
`;
    const project = { file: 'app.ts', skipLibCheck: false };
    const [result, react] = await Promise.all([
      check(path.join(alone, 'app'), project, source),
      // The environment holds: a framework's typings there do miss their framework.
      check(path.join(alone, 'react'), project, typings('react') + source),
    ]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    expect(react.output).toContain("Cannot find module 'react'");
  });

  test.concurrent.each(cases)('$framework ($form): typed with the typings, an error without them', async (entry) => {
    const [withTypings, without] = await Promise.all([
      check(`${entry.framework}-with`, entry, typings(entry.framework, entry.form) + entry.source),
      check(`${entry.framework}-without`, entry, entry.source),
    ]);
    expect(withTypings.output).toBe('');
    expect(withTypings.code).toBe(0);
    expect(without.code).not.toBe(0);
    expect(without.output).toContain(entry.file);
  });
});
