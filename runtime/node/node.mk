# runtime/node/node.mk - the Node.js package's addon, built with the C compiler
# alone by runtime/node/scripts/build.js (no node-gyp). Included by the top-level
# Makefile; part of `make` when node is installed (not in sanitizer builds).
#
#   make node            runtime/node/build/tachyon.node (what require('tachyon') loads)

NODE ?= node
NODE_ADDON := runtime/node/build/tachyon.node

.PHONY: node
node: $(NODE_ADDON)
ifeq ($(SAN),)
ifneq ($(shell command -v $(NODE) 2>/dev/null),)
all: node
endif
endif

$(NODE_ADDON): runtime/node/src/addon.c runtime/node/src/rpc.c runtime/node/src/topology.c runtime/node/src/values.c runtime/node/src/waits.c runtime/node/src/node_internal.h runtime/node/scripts/build.js $(RT_SRCS) runtime/include/tachyon.h runtime/sources.mk \
		$(wildcard runtime/src/*.h)
	$(Q)CC="$(CC)" TACHYON_WERROR=1 $(NODE) runtime/node/scripts/build.js --out $@
