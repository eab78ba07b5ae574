#!/usr/bin/env node
/**
 * The `mikr0` CLI: declares commands and options only. Each command's code is imported when
 * that command runs, so `mikr0 ls` never loads SQLite and `--help` loads only cac and the output helpers.
 */
import { createRequire } from 'node:module';
import { cac, type Command } from 'cac';
import { fail, report } from './output.js';

const cli = cac('mikr0');

/**
 * Runs a lazily imported command; whatever it throws is printed in the one error style. Then
 * exits at once: a socket, timer or database handle some library left open must not keep
 * the user waiting after the last line. Only a server (`mikr0 registry`) stays, once it runs.
 */
const run = (task: () => Promise<void>, { stays = false } = {}) =>
  task().then(
    () => void (stays || exitWhenFlushed()),
    (error) => {
      report(error);
      exitWhenFlushed();
    },
  );

/** process.exit() once stdout and stderr have taken what was written (a pipe may still hold it). */
function exitWhenFlushed() {
  process.stdout.write('', () => process.stderr.write('', () => process.exit()));
}

cli
  .command('registry', 'Run a registry on this machine (SQLite + files in one data folder)')
  .option('-p, --port <port>', 'Port to listen on; 0 picks a free one (default: 4910)')
  .option('--host <host>', 'Address to listen on (default: 127.0.0.1)')
  .option('-d, --data <dir>', 'Data folder for the database and bundles (default: .mikr0)')
  .option('-c, --config <file>', 'Config file (default: mikr0.config.{js,mjs,ts,mts} if present)')
  .option('--log-format <format>', 'pretty (text lines) or json (one JSON object per line on stdout, a line per request) (env MIKR0_LOG_FORMAT, default: pretty)')
  .example('mikr0 registry --port 0 --data /var/lib/mikr0')
  .example('mikr0 registry --log-format json | your-log-shipper')
  .action((flags) => run(() => import('./commands/registry.js').then((m) => m.registry(flags)), { stays: true }));

cli
  .command('publish [dir]', 'Pack a built component (default: dist-mikr0 or dist, whichever vite build wrote) and upload it to a registry')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('-t, --token <token>', 'API token with the publish scope (env MIKR0_TOKEN)')
  .option('-u, --user <user>', 'Admin user, instead of a token (env MIKR0_USER)')
  .option('--password <password>', 'Admin password (env MIKR0_PASSWORD)')
  .example('vite build && mikr0 publish dist -r https://registry.example.com -t $MIKR0_TOKEN')
  .action((dir, flags) => run(() => import('./commands/publish.js').then((m) => m.publish(dir, flags))));

cli
  .command('token <action> [id]', 'Manage the API tokens of a registry: create | list | revoke <id>. Works on its database (found as mikr0 registry finds it), or over HTTP with --registry')
  .option('--scope <scope>', 'create: publish or admin (comma-separated for both)')
  .option('--names <patterns>', "create: names a publish token may publish and deprecate, comma-separated; * matches any run of characters (default: every name)")
  .option('--expires <duration>', 'create: lifetime, e.g. 30d, 12h, 15m, 45s (default: never)')
  .option('--label <label>', 'create: a note saying who or what uses the token (the audit log names the token by it)')
  .option('--json', 'list: print JSON instead of a table')
  .option('-d, --data <dir>', 'Data folder of the registry (default: .mikr0; create starts a new database only where --data or --config points)')
  .option('-c, --config <file>', 'The registry\'s config file, to use its database (default: mikr0.config.{js,mjs,ts,mts} if present)')
  .option('-r, --registry <url>', 'Work through a running registry\'s admin API instead of its database (MIKR0_REGISTRY alone does not switch: without this flag the database is used)')
  .option('-t, --token <token>', 'With --registry: API token with the admin scope (env MIKR0_TOKEN)')
  .option('-u, --user <user>', 'With --registry: admin user (env MIKR0_USER)')
  .option('--password <password>', 'With --registry: admin password (env MIKR0_PASSWORD)')
  .example('export MIKR0_TOKEN=$(mikr0 token create --scope publish --label ci)')
  .example("mikr0 token create --scope publish --names '@checkout/*,header' --expires 30d --label checkout-ci")
  .example('mikr0 token list -r https://registry.example.com -u admin --password $ADMIN_PASSWORD')
  .example('mikr0 token revoke abc123def456')
  .action((action, id, flags) => run(() => import('./commands/token.js').then((m) => m.token(action, id, flags))));

cli
  .command('audit', 'Show the audit log of a registry, newest first: who published, deprecated, unpublished, made or revoked tokens, failed to sign in (needs the admin scope)')
  .option('--since <when>', 'Entries from then on: a duration back from now (24h, 7d, 30m), an ISO date or time, or epoch ms')
  .option('--until <when>', 'Entries before then (same forms as --since)')
  .option('--action <actions>', 'Only these, comma-separated: publish, deprecate, undeprecate, unpublish, token.create, token.revoke, auth.failure')
  .option('--name <name>', 'Only entries about this component (exact name)')
  .option('--limit <n>', 'At most this many entries, over as many pages as it takes (default: 100)')
  .option('--json', 'Print JSON instead of a table')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('-t, --token <token>', 'API token with the admin scope (env MIKR0_TOKEN)')
  .option('-u, --user <user>', 'Admin user (env MIKR0_USER)')
  .option('--password <password>', 'Admin password (env MIKR0_PASSWORD)')
  .example('mikr0 audit --since 24h --action publish,unpublish')
  .example('mikr0 audit --name @team/hello --limit 500 --json')
  .action((flags) => run(() => import('./commands/audit.js').then((m) => m.audit(flags))));

cli
  .command('migrate', 'Copy a registry\'s versions, files and tokens to other stores (e.g. SQLite + folder to PostgreSQL + S3); the source may keep serving, but what it publishes during the copy needs a second run')
  .option('--from <file>', 'Config file of the registry to copy (its database and storage)')
  .option('--from-data <dir>', 'Or its data folder (SQLite + files, as mikr0 registry --data uses it)')
  .option('--to <file>', 'Config file naming where to copy to (database and storage)')
  .option('--to-data <dir>', 'Or a data folder to copy to (SQLite + files)')
  .option('--dry-run', 'Only count what would be copied; write nothing')
  .example('mikr0 migrate --from-data /var/lib/mikr0 --to mikr0.postgres-s3.config.js --dry-run')
  .example('mikr0 migrate --from-data /var/lib/mikr0 --to mikr0.postgres-s3.config.js')
  .action((flags) => run(() => import('./commands/migrate.js').then((m) => m.migrate(flags))));

cli
  .command('init [dir]', 'Start a component project from a template (asks for what is missing on a terminal)')
  .option('--template <framework>', 'vanilla, react, preact, vue, svelte or solid')
  .option('--name <name>', 'Component name (default: the folder name)')
  .example('mikr0 init my-card --template react')
  .example('npx vite-plugin-mikr0 init . --template vue --name @team/card')
  .action((dir, flags) => run(() => import('./commands/init.js').then((m) => m.init(dir, flags))));

cli
  .command('ls [query]', 'List the components of a registry, optionally filtered by name or description')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('--json', 'Print JSON instead of a table')
  .action((query, flags) => run(() => import('./commands/ls.js').then((m) => m.ls(query, flags))));

cli
  .command('info <name>', 'Show the versions of a component (deprecations, unpublished ones, renders and actions, a 14-day render chart) and its parameters')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('--json', 'Print JSON instead of tables')
  .action((name, flags) => run(() => import('./commands/info.js').then((m) => m.info(name, flags))));

cli
  .command('deprecate <name@version>', 'Deprecate a published version (needs a publish token whose --names cover the name, or the admin scope)')
  .option('-m, --message <reason>', 'Why, and what to use instead')
  .option('--undo', 'Remove the deprecation')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('-t, --token <token>', 'API token with the publish scope for the name, or the admin scope (env MIKR0_TOKEN)')
  .option('-u, --user <user>', 'Admin user (env MIKR0_USER)')
  .option('--password <password>', 'Admin password (env MIKR0_PASSWORD)')
  .example('mikr0 deprecate @team/hello@1.0.0 -m "use 2.x"')
  .action((spec, flags) => run(() => import('./commands/deprecate.js').then((m) => m.deprecate(spec, flags))));

cli
  .command('unpublish <name@version>', 'Take a version out of service for good: renders and files answer 410, ranges skip it, and its number can never be published again (needs the admin scope)')
  .option('--force', 'Even if pages rendered it in the last 24 hours')
  .option('-r, --registry <url>', 'Registry URL (env MIKR0_REGISTRY, default http://127.0.0.1:4910)')
  .option('-t, --token <token>', 'API token with the admin scope (env MIKR0_TOKEN)')
  .option('-u, --user <user>', 'Admin user (env MIKR0_USER)')
  .option('--password <password>', 'Admin password (env MIKR0_PASSWORD)')
  .example('mikr0 unpublish @team/hello@1.0.1')
  .example('mikr0 unpublish @team/hello@1.0.1 --force')
  .action((spec, flags) => run(() => import('./commands/unpublish.js').then((m) => m.unpublish(spec, flags))));

// cac prints a command's usage but not its description; put it back under the usage line.
cli.help((sections) => {
  const command = cli.matchedCommand;
  const usage = sections.findIndex((section) => section.title === 'Usage');
  if (command?.description && usage !== -1) sections.splice(usage + 1, 0, { body: `  ${command.description}` });
  for (const section of sections) if (section.title === 'Examples') section.body = section.body.replace(/^/gm, '  $ ');
  return sections;
});
// Our own flag rather than cli.version(): that prints "mikr0/x.y.z <platform>", we print just the version.
cli.option('-v, --version', 'Display the version number');

/**
 * cac's parser (mri) turns numeric-looking values into numbers, so `--password 0123` would
 * arrive as 123. Put back what was typed for every value option that came out as a number.
 */
function keepTyped(command: Command, options: Record<string, unknown>, argv: string[]) {
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  for (const option of command.options) {
    if (option.isBoolean || typeof options[option.name] !== 'number') continue;
    const flags = option.names.map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
    let raw: string | undefined;
    for (let i = 0; i < end; i++) {
      for (const flag of flags) {
        if (argv[i] === flag && i + 1 < end) raw = argv[i + 1];
        else if (argv[i].startsWith(`${flag}=`)) raw = argv[i].slice(flag.length + 1);
      }
    }
    if (raw !== undefined) for (const name of option.names) options[name] = raw;
  }
}

try {
  cli.parse(process.argv, { run: false });
  if (cli.options.help) {
    // cac has printed the help already.
  } else if (cli.options.version && !cli.matchedCommand) {
    // Our own package.json, by our own name: found from dist/ and from the sources alike.
    console.log(createRequire(import.meta.url)('vite-plugin-mikr0/package.json').version);
  } else if (cli.matchedCommand) {
    keepTyped(cli.matchedCommand, cli.options, process.argv.slice(2));
    cli.runMatchedCommand();
  } else {
    cli.outputHelp();
    fail(cli.args[0] ? `unknown command "${cli.args[0]}"` : 'no command given', 'see the commands above');
  }
} catch (error) {
  // cac's own errors: unknown option, missing argument or value.
  const command = cli.matchedCommandName ? `mikr0 ${cli.matchedCommandName} --help` : 'mikr0 --help';
  fail((error as Error).message, `see: ${command}`);
}
