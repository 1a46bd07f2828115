#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, as root: system packages, npm dependencies, and the
# build (BPF objects against this kernel's BTF, the libbpf addon, the TypeScript CLI).
# Safe to run again: it installs only what is missing and rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/setup.sh: run as root (it installs Debian packages)" >&2
  exit 77
fi

# clang-16: BPF CO-RE needs a newer clang than Debian's default 14. libbpf-dev: headers and
# libbpf.so (the addon links the shared libbpf1 — Debian's libbpf.a is not built -fPIC).
# bpftool: dumps vmlinux.h and lists programs in tests. tmux: terminal UI tests.
PACKAGES=(clang-16 llvm-16 libbpf-dev libbpf1 libelf-dev zlib1g-dev bpftool make g++ python3 pkg-config tmux util-linux procps)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm's install step builds the addon (package.json "install": BPF objects, then node-gyp).
if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
npm run --silent build
echo "setup: ok ($(node -v), $(clang-16 --version | head -1))"
