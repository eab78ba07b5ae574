/** `mikr0 info <name>`: the versions of one component, their dates, deprecations, use and parameters. */
import semver from 'semver';
import type { ComponentDetail, VersionDetail } from '../../runtime/shared/api.js';
import { createClient, namePath, registryUrl } from '../http.js';
import { color, formatTime, print, table } from '../output.js';
import { dailyCounts, sparkline } from '../sparkline.js';

export interface InfoFlags {
  registry?: string;
  json?: boolean;
}

/** The usage fields are missing from an older registry's answer: show '-' rather than fail. */
type ShownVersion = Omit<VersionDetail, UsageKey> & Partial<Pick<VersionDetail, UsageKey>>;
type UsageKey = 'renders' | 'actions' | 'lastRenderedAt' | 'usage' | 'unpublished';

/** Days the sparkline covers. */
const CHART_DAYS = 14;

export async function info(name: string, flags: InfoFlags): Promise<void> {
  const client = createClient(registryUrl(flags.registry));
  const { body } = await client.request<Omit<ComponentDetail, 'versions'> & { versions: ShownVersion[] }>(`/r/components/${namePath(name)}`, {
    hints: { 404: `see what the registry has with: mikr0 ls` },
  });
  if (flags.json) return print(JSON.stringify(body, null, 2));

  const versions = [...body.versions].sort((a, b) => semver.rcompare(a.version, b.version));
  print(`${color.bold(body.name)}${body.description ? `  ${body.description}` : ''}`);
  print(`latest: ${body.latest ?? color.yellow('none (every version is deprecated or unpublished)')}`);
  print();
  print(
    table(
      ['VERSION', 'PUBLISHED', 'DEPRECATED', 'RENDERS', 'ACTIONS', 'LAST RENDERED', `LAST ${CHART_DAYS} DAYS`],
      versions.map((v) => [
        v.version,
        formatTime(v.publishedAt),
        status(v),
        count(v.renders),
        count(v.actions),
        formatTime(v.lastRenderedAt),
        v.usage ? sparkline(dailyCounts(v.usage, CHART_DAYS)) : '-',
      ]),
    ),
  );
  // Parameters of what consumers get by default; the newest version when all are deprecated.
  const shown = versions.find((v) => v.version === body.latest) ?? versions.find((v) => !v.unpublished) ?? versions[0];
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

/** Unpublished outranks deprecated: such a version is not served at all, whatever its message. */
function status(v: ShownVersion): string {
  if (v.unpublished) return color.red(`UNPUBLISHED ${formatTime(v.unpublished)}`);
  return v.deprecated ? color.yellow(v.deprecated) : '-';
}

const count = (n: number | undefined) => (n === undefined ? '-' : String(n));
