/** `mikr0 deprecate <name>@<version>`: marks (or with --undo, unmarks) a version deprecated. */
import { authorization, createClient, namePath, registryUrl, type Credentials } from '../http.js';
import { cliError, print } from '../output.js';

export interface DeprecateFlags extends Credentials {
  registry?: string;
  message?: string;
  undo?: boolean;
}

/**
 * `name@1.0.0` or `@scope/name@1.0.0`: the version follows the last `@` that is not the first
 * character. `command` is the one the hint's example shows.
 */
export function parseSpec(spec: string, command = 'deprecate'): { name: string; version: string } {
  const at = spec.lastIndexOf('@');
  if (at <= 0 || at === spec.length - 1) {
    throw cliError(`"${spec}" does not name a version`, `use <name>@<version>, e.g. mikr0 ${command} hello@1.0.0 (or @team/hello@1.0.0)`);
  }
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

export async function deprecate(spec: string, flags: DeprecateFlags): Promise<void> {
  const { name, version } = parseSpec(spec);
  if (flags.undo && flags.message !== undefined) throw cliError('--undo and --message do not go together');
  const auth = authorization(flags);
  if (!auth) {
    throw cliError(
      'no credentials: deprecating needs a publish token that covers the name, or the admin scope',
      'pass --token (or MIKR0_TOKEN; mikr0 token create --scope publish --names <pattern>) or --user and --password of the registry admin',
    );
  }
  const client = createClient(registryUrl(flags.registry));
  const reason = flags.message === undefined ? 'deprecated' : String(flags.message);
  await client.request(`/r/components/${namePath(name)}/${encodeURIComponent(version)}`, {
    method: 'PATCH',
    headers: { authorization: auth },
    json: { deprecated: flags.undo ? false : reason },
    hints: {
      401: 'pass a valid --token (or MIKR0_TOKEN), or --user and --password of the registry admin',
      // A publish token may deprecate the names its --names cover (every name without --names).
      403: `deprecating ${name} needs a publish token whose --names cover it (mikr0 token create --scope publish --names '${name}') or an admin token`,
      404: `see the published versions with: mikr0 info ${name}`,
    },
  });
  print(flags.undo ? `${name}@${version} is no longer deprecated` : `deprecated ${name}@${version}: ${reason}`);
}
