/** `mikr0 info <name>`: the versions of one component, their dates, deprecations and parameters. */
import semver from 'semver';
import type { ComponentDetail } from '../../runtime/shared/api.js';
import { createClient, namePath, registryUrl } from '../http.js';
import { color, print, table } from '../output.js';

export interface InfoFlags {
  registry?: string;
  json?: boolean;
}

export async function info(name: string, flags: InfoFlags): Promise<void> {
  const client = createClient(registryUrl(flags.registry));
  const { body } = await client.request<ComponentDetail>(`/r/components/${namePath(name)}`, {
    hints: { 404: `see what the registry has with: mikr0 ls` },
  });
  if (flags.json) return print(JSON.stringify(body, null, 2));

  const versions = [...body.versions].sort((a, b) => semver.rcompare(a.version, b.version));
  print(`${color.bold(body.name)}${body.description ? `  ${body.description}` : ''}`);
  print(`latest: ${body.latest ?? color.yellow('none (every version is deprecated)')}`);
  print();
  print(
    table(
      ['VERSION', 'PUBLISHED', 'DEPRECATED'],
      versions.map((v) => [v.version, v.publishedAt.slice(0, 19).replace('T', ' '), v.deprecated ? color.yellow(v.deprecated) : '-']),
    ),
  );
  // Parameters of what consumers get by default; the newest version when all are deprecated.
  const shown = versions.find((v) => v.version === body.latest) ?? versions[0];
  if (!shown) return;
  const parameters = Object.entries(shown.parameters ?? {});
  print();
  if (parameters.length === 0) return print(`parameters (${shown.version}): none`);
  print(`parameters (${shown.version}):`);
  print(
    table(
      ['NAME', 'TYPE', 'REQUIRED', 'DEFAULT', 'DESCRIPTION'],
      parameters.map(([key, p]) => [
        key,
        p.enum ? p.enum.map((e) => JSON.stringify(e)).join('|') : p.type,
        p.mandatory ? 'yes' : 'no',
        p.default === undefined ? '-' : JSON.stringify(p.default),
        p.description ?? '',
      ]),
    ),
  );
}
