/**
 * `mikr0 migrate`: copies a registry's versions, files and tokens from one pair of stores to
 * another (a data folder, or the `database` and `storage` of a config file, on each side),
 * through registry-lite's migrateRegistry. Progress on stderr, the summary on stdout; a
 * conflict or a version the source cannot give whole makes the exit code non-zero.
 */
import fs from 'node:fs';
import path from 'node:path';
import { migrateRegistry, type ComponentProgress, type MigrationEnd, type MigrationError, type MigrationSummary } from '../../registry-lite/index.js';
import { loadConfig } from '../config.js';
import { cliError, formatBytes, note, print } from '../output.js';

export interface MigrateFlags {
  from?: string;
  fromData?: string;
  to?: string;
  toData?: string;
  dryRun?: boolean;
}

type Side = 'from' | 'to';

interface End {
  options: MigrationEnd;
  /** What to check when this side cannot be opened. */
  hint: string;
}

const EXAMPLE = 'e.g. mikr0 migrate --from-data .mikr0 --to mikr0.config.js';
const NAMES: Record<Side, string> = { from: 'source', to: 'target' };

export async function migrate(flags: MigrateFlags): Promise<void> {
  const from = await end('from', flags.from, flags.fromData);
  const to = await end('to', flags.to, flags.toData);
  const dryRun = flags.dryRun === true;
  // Two ends, one environment: a variable could only ever name one of them, so neither reads it.
  const ignored = ['MIKR0_DATABASE_URL', 'MIKR0_STORAGE'].filter((name) => process.env[name]);
  if (ignored.length) note(`note: ${ignored.join(' and ')} not used: migrate copies between what --from and --to name`);
  let summary: MigrationSummary;
  try {
    summary = await migrateRegistry({
      from: from.options,
      to: to.options,
      dryRun,
      onStart: ({ from, to, components }) => {
        note(`${dryRun ? 'dry run: counting what would be copied of' : 'copying'} ${count(components, 'component')}`);
        note(`  from: ${from}\n  to:   ${to}`);
      },
      onComponent: (progress) => note(describeComponent(progress, dryRun)),
    });
  } catch (error) {
    const side = (error as Partial<MigrationError>).side;
    if (side !== 'from' && side !== 'to') throw error;
    throw cliError(`${NAMES[side]}: ${(error as Error).message.split('\n')[0]}`, (side === 'from' ? from : to).hint);
  }
  print(describeSummary(summary));
  if (summary.problems.length) {
    print(`\nnot copied:\n${summary.problems.map((line) => `  ${line}`).join('\n')}`);
    const why = [
      summary.versions.conflicts && count(summary.versions.conflicts, 'version conflict'),
      summary.versions.failed && `${summary.versions.failed} incomplete in the source`,
      summary.tokens.conflicts && count(summary.tokens.conflicts, 'token conflict'),
    ].filter(Boolean);
    throw cliError(
      `${summary.problems.length} not copied (${why.join(', ')}): the target keeps what it has`,
      'a conflict is another upload of the same name@version (or token id) in the target: remove one of the two, then run again',
    );
  }
}

/** One side as the flags name it: a config file (`--from`) or a data folder (`--from-data`). */
async function end(side: Side, file: string | undefined, data: string | undefined): Promise<End> {
  const flag = `--${side}`;
  if (file !== undefined && data !== undefined) {
    throw cliError(`${flag} and ${flag}-data both name the ${NAMES[side]}: pass one of them`, `${flag} <config file> or ${flag}-data <folder>`);
  }
  if (file === undefined && data === undefined) {
    throw cliError(`no ${NAMES[side]} registry: pass ${flag} <config file> or ${flag}-data <folder>`, EXAMPLE);
  }
  if (data !== undefined) {
    const dataDir = path.resolve(String(data));
    if (side === 'from' && !fs.existsSync(dataDir)) {
      throw cliError(`no data folder at ${dataDir}`, 'point --from-data at the folder the registry uses (its --data)');
    }
    const hint = side === 'from' ? 'point --from-data at the folder the registry uses (its --data), or --from at its config file' : `check --to-data ${data}`;
    return { options: { dataDir }, hint };
  }
  const { file: absolute, config } = await loadConfig(String(file));
  return {
    // As `mikr0 registry --config` opens it: its folders are next to the file, the data folder by default in this one.
    options: { dataDir: path.resolve(config.dataDir ?? '.mikr0'), database: config.database, storage: config.storage },
    hint: `check database and storage in ${absolute}`,
  };
}

function describeComponent({ name, index, total, copied, skipped, conflicts, failed, files, bytes }: ComponentProgress, dryRun: boolean): string {
  const parts = [
    copied && `${copied} ${dryRun ? 'to copy' : 'copied'}`,
    skipped && `${skipped} already there`,
    conflicts && count(conflicts, 'conflict'),
    failed && `${failed} incomplete in the source`,
  ].filter(Boolean);
  const sizes = files ? ` (${count(files, 'file')}, ${formatBytes(bytes)})` : '';
  return `[${index}/${Math.max(index, total)}] ${name}: ${parts.join(', ') || 'no versions'}${sizes}`;
}

function describeSummary(s: MigrationSummary): string {
  const verb = s.dryRun ? 'to copy' : 'copied';
  const seconds = `${(s.ms / 1000).toFixed(1)} s`;
  const tokens = [`${s.tokens.copied} ${verb}`, `${s.tokens.skipped} already there`];
  if (s.tokens.updated) tokens.push(`${count(s.tokens.updated, 'revocation')} ${s.dryRun ? 'to carry over' : 'carried over'}`);
  if (s.tokens.conflicts) tokens.push(count(s.tokens.conflicts, 'conflict'));
  const versions = [`${s.versions.copied} ${verb}`, `${s.versions.skipped} already there`, count(s.versions.conflicts, 'conflict')];
  if (s.versions.failed) versions.push(`${s.versions.failed} incomplete in the source`);
  if (s.deprecations) versions.push(`${count(s.deprecations, 'deprecation')} ${s.dryRun ? 'to set' : 'set'}`);
  if (s.unpublished) versions.push(`${count(s.unpublished, 'unpublish')} ${s.dryRun ? 'to carry over' : 'carried over'}`);
  const kept = (part: { copied: number; skipped: number }, units: string, why: string) =>
    `${part.copied} ${units} ${verb}` + (part.skipped ? `, ${part.skipped} not (${why})` : '');
  return [
    `${s.dryRun ? 'dry run (nothing written)' : 'migrated'}: ${count(s.components, 'component')} in ${seconds}`,
    `  versions: ${versions.join(', ')}`,
    `  files:    ${s.files} ${verb} (${formatBytes(s.bytes)})`,
    `  tokens:   ${tokens.join(', ')}`,
    `  audit:    ${kept(s.audit, 'entries', 'the target has a log of its own')}`,
    `  usage:    ${kept(s.usage, 'daily counts', 'their components have counts on the target')}`,
  ].join('\n');
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
