/*
 * langs.h - THE one place where a target language of `tachc gen` is registered.
 *
 * To add a language (say `--lang zig`):
 *   1. write compiler/emit_zig.c defining
 *          int emit_zig(const tc_program *prog, const tachc_options *opts, tc_outputs *out)
 *      on top of emit.h (buffers, docs, banner) and names.h (case, keywords,
 *      collisions; add the language's keyword list and rule there if new);
 *   2. add ONE row below: X(emit_zig, "zig", TC_NAMES_ZIG, "tachyon_support.zig")
 *      - the emitter's entry point (declared by this row; nothing else to declare),
 *      - the name for --lang and the output folder,
 *      - its naming rule (enum tc_names_lang in names.h),
 *      - its support file in compiler/support/, or NULL: a real source file
 *        whose sections between "tachc-support: begin NAME" / "tachc-support:
 *        end" markers tachc embeds at build time; the emitter pastes a section
 *        with emit_support(b, "zig", "NAME", schema) (emit.h). Add its
 *        compile/lint check to tests/compiler/support.sh;
 *   3. add its compile check to the collision table (tests/compiler/collisions/)
 *      and its vectors/interop suites.
 * The Makefile compiles every .c file of compiler/: no build change is needed.
 * Row order is the order of the usage message and of the output folders.
 */
#ifndef TACHC_LANGS_H
#define TACHC_LANGS_H

#include "names.h"
#include "tachc.h"

/* X(entry point, --lang name, naming rule, support file) */
#define TACHC_LANGUAGES(X)                         \
    X(emit_c, "c", TC_NAMES_C, "tachyon_support.h")                \
    X(emit_cpp, "cpp", TC_NAMES_CPP, "tachyon_support.hpp")         \
    X(emit_rust, "rust", TC_NAMES_RUST, "tachyon_support.rs")       \
    X(emit_python, "python", TC_NAMES_PYTHON, "tachyon_support.py") \
    X(emit_go, "go", TC_NAMES_GO, "tachyon_support.go")             \
    X(emit_java, "java", TC_NAMES_JAVA, "tachyon_support.java")     \
    X(emit_kotlin, "kotlin", TC_NAMES_KOTLIN, "tachyon_support.kt") \
    X(emit_ts, "ts", TC_NAMES_TS, "tachyon_support.js")             \
    X(emit_csharp, "csharp", TC_NAMES_CSHARP, "tachyon_support.cs")

#define TACHC_DECLARE_EMITTER(fn, name, names, support) \
    int fn(const tc_program *prog, const tachc_options *opts, tc_outputs *out);
TACHC_LANGUAGES(TACHC_DECLARE_EMITTER)
#undef TACHC_DECLARE_EMITTER

#endif
