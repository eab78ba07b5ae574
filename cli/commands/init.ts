/**
 * `mikr0 init [dir] [--template <framework>] [--name <name>]`: a new component project from one
 * of the starters in templates/. Asks for what is missing on a terminal, never without one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { createRequire } from 'node:module';
import { nameProblem } from '../../bundle/index.js';
import { cliError, color, note, print } from '../output.js';

// Our own package.json, found by our own name as runtime/node/package-root.ts does (the CLI may
// not import it): the starters ship next to it, from dist/ and from the sources alike.
const packageRoot = path.dirname(createRequire(import.meta.url).resolve('vite-plugin-mikr0/package.json'));
const templatesDir = path.join(packageRoot, 'templates');
const TEXT = /\.(json|ts|tsx|js|mjs|vue|svelte|css|html|md|svg)$|^gitignore$/;

export interface InitFlags {
  template?: string;
  name?: string;
}

function availableTemplates(): string[] {
  return fs.existsSync(templatesDir) ? fs.readdirSync(templatesDir).filter((t) => fs.existsSync(path.join(templatesDir, t, 'package.json'))).sort() : [];
}

export async function init(dirArg: string | undefined, flags: InitFlags, io = { stdin: process.stdin, stdout: process.stderr }): Promise<void> {
  const templates = availableTemplates();
  const interactive = Boolean(io.stdin.isTTY && io.stdout.isTTY);
  const ask = interactive ? createInterface({ input: io.stdin, output: io.stdout }) : null;
  try {
    let template = flags.template;
    if (template === undefined) {
      if (!ask) throw cliError('Which framework? Pass --template', `Templates: ${templates.join(', ')}. Example: mikr0 init my-card --template react`);
      const listing = templates.map((t, i) => `  ${i + 1}. ${t}`).join('\n');
      const answer = (await ask.question(`Framework:\n${listing}\nPick one [1]: `)).trim() || '1';
      template = templates[Number(answer) - 1] ?? answer;
    }
    if (!templates.includes(template)) throw cliError(`There is no "${template}" template`, `Templates: ${templates.join(', ')}`);

    let dir = dirArg;
    let name = flags.name;
    if (dir === undefined && name === undefined && ask) name = (await ask.question('Component name [my-component]: ')).trim() || 'my-component';
    // A scoped name's folder is the part after the scope: @team/card → ./card.
    dir = path.resolve(dir ?? name?.replace(/^@[^/]+\//, '') ?? '.');
    name ??= npmName(path.basename(dir));
    const problem = nameProblem(name);
    if (problem) throw cliError(`"${name}" cannot be a component name: ${problem}`, 'Pass --name with an npm-style name such as my-card or @team/my-card');

    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw cliError(`${dir} is not empty; init never overwrites files`, 'Pick a new folder: mikr0 init <new-folder>');
    }
    const written = copyTemplate(path.join(templatesDir, template), dir, { __COMPONENT_NAME__: name, __MIKR0_VERSION__: ownVersion() });
    const relative = path.relative(process.cwd(), dir) || '.';
    print(`${color.green('✔')} ${name}: a ${template} component in ${relative} (${written} files)`);
    print(`\nNext:\n${relative === '.' ? '' : `  cd ${shellQuote(relative)}\n`}  npm install\n  npm run dev       # the playground with your component, live\n  npm run build     # the publishable bundle in dist/\n  npx mikr0 publish --registry <url> --token <token>`);
  } finally {
    ask?.close();
  }
}

/** A folder name as an npm name: "My Card!" → "my-card" (no runs of, nor leading or trailing, separators). */
export function npmName(folder: string): string {
  return folder
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._~]+|[-._~]+$/g, '');
}

/** As typed into a POSIX shell: plain names as they are, anything else in single quotes. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function ownVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
}

/** Copies a template folder, filling placeholders in text files; `gitignore` becomes `.gitignore`. */
export function copyTemplate(from: string, to: string, values: Record<string, string>): number {
  let count = 0;
  for (const entry of fs.readdirSync(from, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const source = path.join(entry.parentPath, entry.name);
    const relative = path.relative(from, source);
    const target = path.join(to, path.dirname(relative), entry.name === 'gitignore' ? '.gitignore' : entry.name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (TEXT.test(entry.name)) {
      let text = fs.readFileSync(source, 'utf8');
      for (const [key, value] of Object.entries(values)) text = text.split(key).join(value);
      fs.writeFileSync(target, text);
    } else {
      fs.copyFileSync(source, target);
    }
    count++;
  }
  if (count === 0) note(`warning: the template ${from} is empty`);
  return count;
}
