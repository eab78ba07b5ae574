/**
 * The import graph, as README "Layout" draws it: each area imports only the areas below it,
 * and the registry only through its public index. The per-area tsconfigs make most crossings
 * a compile error (TS6307); this also holds what a compiler cannot see: which file of an
 * allowed area is imported, and file sizes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Area → the areas (folders, or single files) its source may import. */
const allowed: Record<string, string[]> = {
  'runtime/shared': ['runtime/shared'],
  'runtime/client': ['runtime/client', 'runtime/shared'],
  'runtime/node': ['runtime/node', 'runtime/shared'],
  bundle: ['bundle', 'runtime/shared'],
  'registry-lite': ['registry-lite', 'bundle', 'runtime/shared', 'runtime/node'],
  cli: ['cli', 'bundle', 'runtime/shared', 'registry-lite/index.ts'],
  plugin: ['plugin', 'bundle', 'runtime/shared', 'runtime/node', 'registry-lite/index.ts'],
  playground: ['playground', 'runtime/shared', 'runtime/client'],
};

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

/** Relative imports of a file (static, dynamic and type-only), resolved to repository paths. */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
}

const areaOf = (file: string) => Object.keys(allowed).find((area) => file === area || file.startsWith(`${area}/`));

describe('the import graph', () => {
  for (const [area, targets] of Object.entries(allowed)) {
    test(`${area} imports only ${targets.join(', ')}`, () => {
      const crossings: string[] = [];
      for (const file of sourceFiles(area)) {
        for (const target of relativeImports(file)) {
          if (!areaOf(target)) continue; // package.json and other files outside the areas
          if (!targets.some((allowedTarget) => target === allowedTarget || target.startsWith(`${allowedTarget}/`))) {
            crossings.push(`${file} → ${target}`);
          }
        }
      }
      expect(crossings).toEqual([]);
    });
  }

  test('shared code imports no Node built-in', () => {
    const found = sourceFiles('runtime/shared').filter((file) => /from\s*['"]node:/.test(fs.readFileSync(path.join(root, file), 'utf8')));
    expect(found).toEqual([]);
  });
});

test('no source file is over 400 lines', () => {
  const areas = [...Object.keys(allowed), 'test', 'bench', 'scripts'];
  const files = areas.flatMap((area) => sourceFiles(area)).filter((file) => !file.includes('/fixtures/'));
  const long = files
    .map((file) => ({ file, lines: fs.readFileSync(path.join(root, file), 'utf8').split('\n').length }))
    .filter(({ lines }) => lines > 400)
    .map(({ file, lines }) => `${file}: ${lines} lines`);
  expect(long).toEqual([]);
});
