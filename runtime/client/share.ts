/**
 * The page's share scope: framework packages (React, Preact, Vue, Svelte, Solid, and what a
 * component adds with `mikr0({ shared })`) loaded at most once per compatible version.
 *
 * Module Federation's model, cut down to what a page of independently built components needs:
 * each component brings its own copy of a shared package as a separate chunk and registers it
 * (version + loader, nothing downloaded); when it asks for the package with the semver range it
 * was built for, the scope answers with a copy already loaded on the page if one fits, else the
 * highest registered version that fits (MF's runtime chooses the same way by default: loaded
 * first, then highest), else its own. Unlike MF's `singleton`, which keeps one version and only
 * warns when a consumer's `requiredVersion` does not fit, a component that does not fit (another
 * major) always gets its own copy and works. Piral's import maps share the same way, by
 * `name@version` with a required range per pilet. A request that starts a load shares its
 * promise with every later request for that copy, so two components arriving at once download
 * React once.
 *
 * The scope lives on `globalThis` (`mikr0Share`), so components from different registries share
 * it. Every shared component's template.js bundles this file and installs it if no scope is on
 * the page yet (`installShareScope`): whichever comes first, everyone uses it, with or without
 * the runtime on the page (a template.js imported by hand). The runtime only exposes it as
 * `window.mikr0.share`: a second copy in it would cost 0.6 kB of its 5 kB gzip budget.
 *
 * Ranges: comparator sets as semver writes them (`>=19.3.1 <20.0.0-0`, `||` between sets) — the
 * plugin normalises package.json ranges to that form at build time — plus `^`, `~`, exact and
 * `x`/`*` partials for hand-written calls. No semver package in the browser.
 */

export type SharedModule = Record<string, unknown>;
export type ShareFunction = (name: string, version: string, range: string, load: () => Promise<SharedModule>) => Promise<SharedModule>;

interface Provider {
  version: string;
  load: () => Promise<SharedModule>;
  loaded?: Promise<SharedModule>;
}

type Version = number[];

/** `19.3.1` → [19, 3, 1, 1]; the last part is 0 for a prerelease (1.0.0-rc < 1.0.0); NaN for `x`, `*` or a missing part. */
function parse(version: string): Version {
  const [core = '', ...pre] = version.replace(/^[v=\s]+|\+.*/g, '').split('-');
  const [a, b, c] = core.split('.').map((p) => (/^\d+$/.test(p) ? +p : NaN));
  return [a ?? NaN, b ?? NaN, c ?? NaN, pre.length ? 0 : 1];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Does `v` satisfy one comparator (`>=1.2.3`, `<2.0.0-0`, `^1.2`, `~1.2.3`, `1.x`, `1.2.3`)? */
function test(v: Version, comparator: string): boolean {
  const [, op, rest = ''] = /^([<>]=?|[=^~])?(.*)$/.exec(comparator)!;
  const p = parse(rest);
  // How many leading parts are given: `1.x` → 1; the rest are wildcards.
  let given = p.findIndex(Number.isNaN);
  if (given < 0 || given > 2) given = 3;
  const low = [...p.slice(0, given), 0, 0, 0].slice(0, 3).concat(given < 3 ? 0 : p[3]!);
  /** The lowest version above every version that starts with low[0..i]: the bound `1.x` stops below. */
  const above = (i: number) => (i < 0 ? [Infinity] : [...low.slice(0, i), low[i]! + 1, 0, 0].slice(0, 3).concat(0));
  if (op === '>=') return compare(v, low) >= 0;
  if (op === '<') return compare(v, low.slice(0, 3).concat(0)) < 0;
  if (given < 3 && (op === '>' || op === '<=')) {
    const beyond = compare(v, above(given - 1)) >= 0;
    return op === '>' ? beyond : !beyond;
  }
  if (op === '>') return compare(v, low) > 0;
  if (op === '<=') return compare(v, low) <= 0;
  // The parts that must stay: ^1.2.3 keeps 1, ^0.2.3 keeps 0.2, ~1.2.3 keeps 1.2, 1.2 keeps 1.2, 1.2.3 keeps all.
  let keep = given;
  if (op === '^') keep = Math.min(given, low.slice(0, 2).findIndex((n) => n !== 0) + 1 || given);
  if (op === '~') keep = Math.min(given, 2) || given;
  return keep > 2 ? compare(v, low) === 0 : compare(v, low) >= 0 && compare(v, above(keep - 1)) < 0;
}

export function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return (
    !v.some(Number.isNaN) &&
    range.split('||').some((set) =>
      set
        .trim()
        .replace(/([<>=^~])\s+/g, '$1')
        .split(/\s+/)
        .every((c) => !c || c === '*' || c === 'x' || test(v, c)),
    )
  );
}

export function createShareScope(): ShareFunction {
  const scope = new Map<string, Provider[]>();
  return (name, version, range, load) => {
    let providers = scope.get(name);
    if (!providers) scope.set(name, (providers = []));
    // The first copy registered under a version stands for it: two builds of React 19.3.1 are one version.
    if (!providers.some((p) => p.version === version)) providers.push({ version, load });
    const fits = providers.filter((p) => satisfies(p.version, range)).sort((a, b) => compare(parse(b.version), parse(a.version)));
    // No registered version fits the range: its own copy, which stays registered under its version.
    const chosen = fits.find((p) => p.loaded) ?? fits[0] ?? { version, load };
    // A failed load (the network) is forgotten, so the next component to ask tries again.
    return (chosen.loaded ??= chosen.load().catch((error) => {
      chosen.loaded = undefined;
      throw error;
    }));
  };
}

declare global {
  // eslint-disable-next-line no-var
  var mikr0Share: ShareFunction | undefined;
}

/** The page's scope: the one already there (another component's template.js), or a new one. */
export function installShareScope(): ShareFunction {
  return (globalThis.mikr0Share ??= createShareScope());
}
