/* Generated from runtime/sources.mk by TestCgoBuildFollowsSourcesList; do not
 * edit (TACHYON_WRITE_WRAPPERS=1 go test -run CgoBuild rewrites it). Compiles
 * libtachyon's rpc.c into the Go package, so that `go build` needs no prior
 * `make`. The sources.mk flags that cgo's own generated C cannot take are
 * turned on here, for the runtime's code only. */
#pragma GCC diagnostic warning "-Wmissing-prototypes"
#include "../src/rpc.c"
