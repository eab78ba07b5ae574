#!/usr/bin/env node
/**
 * `npm start`: registry-lite on http://127.0.0.1:4910 with the example components published
 * (versions already there are skipped), data kept in .mikr0-demo/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../dist/registry-lite/index.js';
import { collectFiles, packTarGz } from '../dist/cli/pack.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = path.join(root, 'test', 'fixtures');
const port = Number(process.env.PORT ?? 4910);
const dataDir = path.join(root, '.mikr0-demo');

const registry = createRegistry({ dataDir, logger: { info: () => {}, warn: console.warn, error: console.error } });
const { url } = await registry.listen(port).catch((error) => {
  console.error(error.code === 'EADDRINUSE' ? `error: port ${port} is in use; run with PORT=<another port> npm start` : error);
  process.exit(1);
});
console.log(`registry-lite listening on ${url} (data in ${path.relative(process.cwd(), dataDir) || '.'})`);

// A token for this run only: created, used to publish over HTTP like any client, revoked.
const { token, info } = registry.tokens.create(['publish'], 'demo');
try {
  for (const folder of fs.readdirSync(examples)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(examples, folder, 'package.json'), 'utf8'));
    process.stdout.write(`publishing ${pkg.name}@${pkg.version} ... `);
    const body = await packTarGz(await collectFiles(path.join(examples, folder)));
    const res = await fetch(`${url}/r/publish/${pkg.name}/${pkg.version}`, { method: 'PUT', headers: { Authorization: `Bearer ${token}` }, body });
    console.log(res.status === 201 ? 'done' : res.status === 409 ? 'already published' : `failed: ${(await res.json()).error.message}`);
  }
} finally {
  registry.tokens.revoke(info.id);
}

console.log(`
Try it:
  curl '${url}/r/component/hello/1.x?name=World' -H 'Accept-Language: fr'
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
