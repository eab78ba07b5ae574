/**
 * The server/client split of a component entry. From `export default createComponent({...})`
 * the client half drops `loader`, `actions`, `parameters`, `plugins` and `render`; the server
 * half drops `mount`, `hydrate` and `unmount`. Then top-level code that only those used — helper
 * functions, constants, imports — is removed too, so a server-only npm package never reaches
 * the browser and React DOM never reaches the server bundle.
 *
 * Works on the JavaScript Vite has already made of the entry (TS and JSX compiled), with
 * Vite's own parser. Pure: code in, code out.
 */
import { parseSync } from 'vite';

export type SplitTarget = 'client' | 'server';

const DROP: Record<SplitTarget, Set<string>> = {
  client: new Set(['loader', 'actions', 'parameters', 'plugins', 'render']),
  server: new Set(['mount', 'hydrate', 'unmount']),
};

export interface SplitResult {
  code: string;
  /** Source text of the `parameters` property value, for the manifest and the dev form. */
  parametersSource: string | null;
  /** Names of the `plugins` stand-ins: the registry plugins the component needs. */
  plugins: string[];
  /** Names of the `actions`, for the manifest (the playground's action console lists them). */
  actions: string[];
}

type Node = { type: string; start: number; end: number; [key: string]: any };

const HOW =
  'write `export default createComponent({ parameters, loader, actions, mount, unmount })` ' +
  "with createComponent imported from 'vite-plugin-mikr0/runtime' (or `const c = createComponent({...}); export default c`)";

export function splitComponent(code: string, id: string, target: SplitTarget): SplitResult {
  const { program, errors } = parseSync('entry.js', code);
  if (errors.length) throw new Error(`${id}: cannot parse the component entry: ${errors[0].message}`);
  const definition = findDefinition(program.body as Node[], id);
  const removals: [number, number][] = [];
  let parametersSource: string | null = null;
  const plugins: string[] = [];
  const actions: string[] = [];
  for (const property of definition.properties as Node[]) {
    if (property.type !== 'Property' || property.computed) continue;
    const name = property.key.type === 'Identifier' ? property.key.name : String(property.key.value);
    if (name === 'parameters') parametersSource = code.slice(property.value.start, property.value.end);
    if ((name === 'plugins' || name === 'actions') && property.value.type === 'ObjectExpression') {
      const names = name === 'plugins' ? plugins : actions;
      for (const p of property.value.properties as Node[]) if (p.type === 'Property' && !p.computed) names.push(p.key.name ?? String(p.key.value));
    }
    if (DROP[target].has(name)) removals.push(propertyRange(code, property));
  }
  const pruned = removeRanges(code, removals);
  return { code: removals.length ? removeUnused(pruned) : pruned, parametersSource, plugins, actions };
}

/** The object literal given to createComponent in the default export. */
function findDefinition(body: Node[], id: string): Node {
  const exported = body.find((n) => n.type === 'ExportDefaultDeclaration');
  if (!exported) throw new Error(`${id} has no default export: ${HOW}`);
  let value: Node = exported.declaration;
  if (value.type === 'Identifier') {
    const declarator = body
      .filter((n) => n.type === 'VariableDeclaration')
      .flatMap((n) => n.declarations as Node[])
      .find((d) => d.id.type === 'Identifier' && d.id.name === value.name);
    if (!declarator?.init) throw new Error(`${id}: the default export "${value.name}" is not a top-level const: ${HOW}`);
    value = declarator.init;
  }
  if (value.type === 'CallExpression' && value.arguments[0]?.type === 'ObjectExpression') return value.arguments[0];
  if (value.type === 'ObjectExpression') return value;
  throw new Error(`${id}: the default export must be createComponent({ ... }) with an object literal, so mikr0 can split it: ${HOW}`);
}

/** A property with its trailing comma, so the object stays valid. */
function propertyRange(code: string, property: Node): [number, number] {
  let end = property.end;
  const rest = /^\s*,/.exec(code.slice(end));
  if (rest) end += rest[0].length;
  return [property.start, end];
}

function removeRanges(code: string, ranges: [number, number][]): string {
  let result = code;
  for (const [start, end] of [...ranges].sort((a, b) => b[0] - a[0])) result = result.slice(0, start) + result.slice(end);
  return result;
}

/**
 * Removes top-level declarations nothing refers to any more, until none is left: functions,
 * classes, consts whose initialiser has no side effects, and import specifiers. A bare
 * `import 'x'` is kept (it is there for its side effects). Shadowed names count as uses,
 * so in doubt code is kept, never dropped wrongly.
 */
function removeUnused(code: string): string {
  for (let pass = 0; pass < 20; pass++) {
    const { program } = parseSync('entry.js', code);
    const body = program.body as Node[];
    const uses = countIdentifiers(program as unknown as Node);
    const removals: [number, number][] = [];
    const unused = (name: string, declarations = 1) => (uses.get(name) ?? 0) <= declarations;
    for (const statement of body) {
      if (statement.type === 'ImportDeclaration' && statement.specifiers.length) {
        const specifiers = statement.specifiers as Node[];
        const dead = specifiers.filter((s) => unused(s.local.name));
        if (dead.length === specifiers.length) removals.push([statement.start, statement.end]);
        else if (dead.length) removals.push(...dead.map((s) => propertyRange(code, s)));
      } else if ((statement.type === 'FunctionDeclaration' || statement.type === 'ClassDeclaration') && statement.id && unused(statement.id.name)) {
        removals.push([statement.start, statement.end]);
      } else if (statement.type === 'VariableDeclaration') {
        const declarations = statement.declarations as Node[];
        const removable = declarations.every((d) => d.id.type === 'Identifier' && unused(d.id.name) && isPure(d.init));
        if (removable) removals.push([statement.start, statement.end]);
      }
    }
    if (!removals.length) return code;
    // Trailing commas of import specifiers may leave `{ a, }`: still valid JavaScript.
    code = removeRanges(code, removals);
  }
  return code;
}

const PURE_CONSTRUCTORS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet']);

function isPure(node: Node | null): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'ArrowFunctionExpression':
    case 'FunctionExpression':
    case 'Literal':
    case 'Identifier':
    case 'TemplateLiteral':
      return node.type !== 'TemplateLiteral' || (node.expressions as Node[]).every(isPure);
    case 'ObjectExpression':
      return (node.properties as Node[]).every((p) => p.type === 'Property' && !p.computed && isPure(p.value));
    case 'ArrayExpression':
      return (node.elements as (Node | null)[]).every((e) => e === null || isPure(e));
    case 'ClassExpression':
      return true;
    // `const roots = new WeakMap()`: the built-in collections construct nothing else.
    case 'NewExpression':
      return node.callee.type === 'Identifier' && PURE_CONSTRUCTORS.has(node.callee.name) && (node.arguments as Node[]).every(isPure);
    default:
      return false;
  }
}

/** How often each name appears as an identifier, leaving out property keys and member names. */
function countIdentifiers(root: Node): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  const visit = (node: unknown, parent: Node | null, key: string) => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child, parent, key);
      return;
    }
    if (!node || typeof node !== 'object' || typeof (node as Node).type !== 'string') return;
    const n = node as Node;
    if (n.type === 'Identifier' || n.type === 'JSXIdentifier') {
      const isKey =
        parent &&
        ((parent.type === 'MemberExpression' && key === 'property' && !parent.computed) ||
          ((parent.type === 'Property' || parent.type === 'MethodDefinition' || parent.type === 'PropertyDefinition') &&
            key === 'key' &&
            !parent.computed &&
            !parent.shorthand) ||
          parent.type === 'LabeledStatement' ||
          parent.type === 'BreakStatement' ||
          parent.type === 'ContinueStatement' ||
          (parent.type === 'ExportSpecifier' && key === 'exported') ||
          (parent.type === 'ImportSpecifier' && key === 'imported') ||
          (parent.type === 'JSXAttribute' && key === 'name'));
      if (!isKey) add(n.name);
      return;
    }
    for (const childKey in n) {
      if (childKey === 'type' || childKey === 'start' || childKey === 'end') continue;
      visit(n[childKey], n, childKey);
    }
  };
  visit(root, null, '');
  return counts;
}
