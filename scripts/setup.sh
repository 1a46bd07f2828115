#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, as root: system packages, a supported Node, npm
# dependencies, the build (BPF objects against this kernel's BTF, the libbpf addon, the TypeScript
# CLI), and `monitor` on PATH (a link to this checkout's bin/run.js in /usr/local/bin).
# Safe to run again: it installs only what is missing and rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup.sh: run as root (it installs Debian packages)" >&2
  exit 77
fi

# clang-16: BPF CO-RE needs a newer clang than Debian's default 14. libbpf-dev: headers and
# libbpf.so (the addon links the shared libbpf1 — Debian's libbpf.a is not built -fPIC).
# bpftool: dumps vmlinux.h and lists programs in tests. tmux: terminal UI tests. libbpf-tools: the
# peers the tests and benchmarks compare with (execsnoop, exitsnoop, tcplife, tcpstates). nftables and
# iproute2: the TCP tests drop SYNs / packets inside network namespaces they create. htop: the
# anchor bench/top and bench/tui measure against. valgrind: `monitor bench --measure instructions`
# (cachegrind). libxml2-utils: xmllint validates bench's JUnit XML in the tests. golang-go: the pprof
# tests' Go program and `go tool pprof`, the peer they are checked against.
PACKAGES=(clang-16 llvm-16 libbpf-dev libbpf1 libelf-dev zlib1g-dev bpftool make g++ python3 pkg-config tmux util-linux procps git libbpf-tools nftables iproute2 htop valgrind libxml2-utils golang-go)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node >= 20 (Debian 12's nodejs is 18): installed into /usr/local when missing or too old.
bash scripts/install-node.sh /usr/local
case ":$PATH:" in *:/usr/local/bin:*) ;; *) export PATH="/usr/local/bin:$PATH" ;; esac
hash -r
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "setup: \`node\` on PATH is $(command -v node) $(node -v 2>/dev/null): monitor needs Node >= 20 (installed in /usr/local/bin: put it first on PATH)" >&2
  exit 69
fi

# npm's install step builds the addon (package.json "install": scripts/build-addon.mjs).
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
npm run --silent build

# `monitor` on PATH runs this checkout. CI's clone is deleted after its run: it would leave a dangling link.
link=/usr/local/bin/monitor
if [ -n "${CI:-}" ]; then
  echo "setup: CI: not linking $link"
elif [ -e "$link" ] && [ ! -L "$link" ]; then
  echo "setup: $link exists and is not a link: left alone (run this checkout as $root/bin/run.js)" >&2
elif [ "$(readlink "$link" 2>/dev/null)" != "$root/bin/run.js" ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$root/bin/run.js" "$link"
  echo "setup: $link -> $root/bin/run.js"
fi
echo "setup: ok ($(node -v), $(clang-16 --version | head -1))"
