/** Writes a built bundle's package.json: sizes and integrity computed from the files in it. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileInfo } from './manifest.js';
import { collectFiles } from './pack.js';
import type { BundleInfo, BundlePackage } from './types.js';

export interface BundleDescription {
  name: string;
  version: string;
  description?: string;
  parameters?: BundleInfo['parameters'];
  css: string[];
  actions: string[];
  plugins: string[];
  dependencies: string[];
  pluginVersion?: string;
}

/** Writes `<outDir>/package.json` for the files now in `outDir` and returns it. */
export async function writeBundlePackage(outDir: string, bundle: BundleDescription): Promise<BundlePackage> {
  const files = (await collectFiles(outDir)).filter((f) => f.path !== 'package.json');
  const sizes: Record<string, { raw: number; gzip: number }> = {};
  const integrity: Record<string, string> = {};
  for (const file of files) {
    const info = fileInfo(file.data);
    sizes[file.path] = { raw: info.size, gzip: info.gzip };
    integrity[file.path] = info.integrity;
  }
  const special = new Set(['template.js', 'server.cjs', ...bundle.css]);
  const pkg: BundlePackage = {
    name: bundle.name,
    version: bundle.version,
    description: bundle.description,
    mikr0: {
      parameters: bundle.parameters,
      files: {
        template: 'template.js',
        server: 'server.cjs',
        css: bundle.css,
        assets: files.map((f) => f.path).filter((p) => !special.has(p)),
      },
      sizes,
      integrity,
      pluginVersion: bundle.pluginVersion,
      actions: bundle.actions,
      plugins: bundle.plugins,
      dependencies: bundle.dependencies,
    },
  };
  await fs.writeFile(path.join(outDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  return pkg;
}
