#!/usr/bin/env bash
# Installs everything sensord needs on Debian 12 (as root) and builds it: apt packages for the eBPF probe
# and the sysdig oracle, containerd + runc + busybox-static (live container tests), npm dependencies, the native probe/reader and the TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev sysdig make gcc containerd runc busybox-static)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Dependencies' install scripts are not run (npm 11 asks before running them): koffi and esbuild ship
# prebuilt binaries. Our own build runs explicitly.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
npm run --silent build
