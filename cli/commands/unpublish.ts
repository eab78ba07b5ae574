/**
 * `mikr0 unpublish <name>@<version>`: takes a version out of service for good. Its number is
 * never published again, so caches keyed by it cannot serve two different bundles.
 */
import { adminAuthorization, adminHints, createClient, namePath, registryUrl, type Credentials } from '../http.js';
import { cliError, isCliError, print } from '../output.js';
import { parseSpec } from './deprecate.js';

export interface UnpublishFlags extends Credentials {
  registry?: string;
  force?: boolean;
}

export async function unpublish(spec: string, flags: UnpublishFlags): Promise<void> {
  const { name, version } = parseSpec(spec, 'unpublish');
  const auth = adminAuthorization(flags, 'unpublishing');
  const client = createClient(registryUrl(flags.registry));
  const query = flags.force ? '?force=true' : '';
  try {
    await client.request(`/r/components/${namePath(name)}/${encodeURIComponent(version)}${query}`, {
      method: 'DELETE',
      headers: { authorization: auth },
      hints: {
        ...adminHints(auth),
        404: `see the published versions with: mikr0 info ${name}`,
        410: `nothing to do; see the versions still served with: mikr0 info ${name}`,
      },
    });
  } catch (error) {
    // The registry's own words say how often and when; the fix is ours to name.
    if (isCliError(error) && error.code === 'RECENTLY_RENDERED') {
      throw cliError(
        error.message,
        `to deprecate it instead: mikr0 deprecate ${spec} -m "<why, and what to use>"\n` +
          `if no page needs it any more: mikr0 unpublish ${spec} --force`,
        error.status,
        error.code,
      );
    }
    throw error;
  }
  print(`unpublished ${name}@${version}: its number can never be published again`);
}
