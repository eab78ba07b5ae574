#!/usr/bin/env node
/**
 * `npm start`: registry-lite on http://127.0.0.1:4910 with the example components published
 * (versions already there are skipped), data kept in .mikr0-demo/: the six starter templates
 * (templates/, as `mikr0 init` writes them) and the test components, built here with the
 * plugin, plus the hand-written bundles of test/fixtures. The playground at / shows them all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../dist/registry-lite/index.js';
import { collectFiles, packTarGz } from '../dist/bundle/pack.js';
import { copyTemplate, ownVersion } from '../dist/cli/commands/init.js';
import { buildComponent } from './build-component.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = path.join(root, 'test', 'fixtures');
const port = Number(process.env.PORT ?? 4910);
const dataDir = path.join(root, '.mikr0-demo');
const sources = path.join(root, 'test', 'browser', 'fixtures');

const templates = path.join(root, 'templates');

/** Writes a component project into .mikr0-demo/build/<folder> and builds it; returns its dist/. */
async function buildProject(label, folder, write) {
  const project = path.join(dataDir, 'build', folder);
  fs.rmSync(project, { recursive: true, force: true });
  write(project);
  process.stdout.write(`building ${label} with vite + mikr0() ... `);
  const started = Date.now();
  const dist = await buildComponent(project);
  console.log(`${Date.now() - started} ms`);
  return dist;
}

const registry = createRegistry({ dataDir, logger: { info: () => {}, warn: console.warn, error: console.error } });
const { url } = await registry.listen(port).catch((error) => {
  console.error(error.code === 'EADDRINUSE' ? `error: port ${port} is in use; run with PORT=<another port> npm start` : error);
  process.exit(1);
});
console.log(`registry-lite listening on ${url} (data in ${path.relative(process.cwd(), dataDir) || '.'})`);

// A token for this run only: created, used to publish over HTTP like any client, revoked.
const { token, info } = await registry.tokens.create(['publish'], 'demo');
try {
  const bundles = [];
  for (const framework of fs.readdirSync(templates).sort()) {
    const write = (dir) => copyTemplate(path.join(templates, framework), dir, { __COMPONENT_NAME__: `starter-${framework}`, __MIKR0_VERSION__: ownVersion() });
    bundles.push(await buildProject(`the ${framework} starter`, `starter-${framework}`, write));
  }
  for (const folder of fs.readdirSync(sources)) {
    bundles.push(await buildProject(folder, folder, (dir) => fs.cpSync(path.join(sources, folder), dir, { recursive: true })));
  }
  bundles.push(...fs.readdirSync(examples).map((folder) => path.join(examples, folder)));
  for (const folder of bundles) {
    const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    process.stdout.write(`publishing ${pkg.name}@${pkg.version} ... `);
    const body = await packTarGz(await collectFiles(folder));
    const res = await fetch(`${url}/r/publish/${pkg.name}/${pkg.version}`, { method: 'PUT', headers: { Authorization: `Bearer ${token}` }, body });
    if (res.status === 409) console.log((await sameBuild(pkg)) ? 'already published' : `already published, from an older build: delete ${path.relative(process.cwd(), dataDir) || dataDir} to publish this one`);
    else console.log(res.status === 201 ? 'done' : `failed: ${(await res.json()).error.message}`);
  }
} finally {
  await registry.tokens.revoke(info.id);
}

/** Whether the version the registry has is this build (versions are immutable: an edited starter keeps the old one). */
async function sameBuild(pkg) {
  const detail = await (await fetch(`${url}/r/components/${encodeURIComponent(pkg.name)}`)).json();
  const published = detail.versions?.find((v) => v.version === pkg.version)?.files ?? {};
  return Object.entries(pkg.mikr0?.integrity ?? {}).every(([file, integrity]) => !published[file] || published[file].integrity === integrity);
}

console.log(`
Open the playground: ${url}/

Or from a terminal:
  curl '${url}/r/component/hello/1.x?name=World' -H 'Accept-Language: fr'
  curl '${url}/r/component/starter-react/1.x?name=World' -H 'Accept: text/html'   # a fragment to compose into a page
  curl -X POST ${url}/r/action/hello/1.0.0 -d '{"action":"add","input":{"a":2,"b":3}}'
  curl ${url}/r/components
  curl ${url}/health
Press Ctrl+C to stop.`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await registry.close();
    process.exit(0);
  });
}
