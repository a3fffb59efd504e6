/* emit_stubs.c - weak stand-ins for the emitters, so that tachc links before
 * every emit_<lang>.c exists; a real emitter's strong symbol replaces its stub.
 * Remove this file once all four emitters are in. */
#include <stdio.h>

#include "emit.h"

static int not_implemented(const char *lang)
{
    fprintf(stderr, "tachc: the %s emitter is not implemented yet\n", lang);
    return -1;
}

__attribute__((weak)) int emit_c(const tc_program *prog, tc_outputs *out)
{
    (void)prog, (void)out;
    return not_implemented("c");
}

__attribute__((weak)) int emit_rust(const tc_program *prog, tc_outputs *out)
{
    (void)prog, (void)out;
    return not_implemented("rust");
}

__attribute__((weak)) int emit_python(const tc_program *prog, tc_outputs *out)
{
    (void)prog, (void)out;
    return not_implemented("python");
}

__attribute__((weak)) int emit_go(const tc_program *prog, tc_outputs *out)
{
    (void)prog, (void)out;
    return not_implemented("go");
}
