/* Compiles libtachyon's platform.c into the Go package, so that `go build` needs
 * no prior `make` (see doc.go). One wrapper per runtime source file;
 * TestEveryRuntimeSourceIsCompiled keeps the set complete. */
#include "../src/platform.c"
