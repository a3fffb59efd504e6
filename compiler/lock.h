/*
 * lock.h - the canonical text of a schema's ABI: fingerprints, the lock file
 * (`tachc lock`) and the drift check against it (`tachc check`).
 */
#ifndef TACHC_LOCK_H
#define TACHC_LOCK_H

#include <stdint.h>
#include <stdio.h>

#include "emit.h"
#include "model.h"

/* Exit codes of `tachc check`. */
#define LOCK_SAME 0
#define LOCK_COMPATIBLE 4
#define LOCK_BREAKING 8

/* FNV-1a 64 of a struct's canonical text (nested structs and enums by their
 * own fingerprint). */
uint64_t lock_struct_fingerprint(const tc_struct *st);
/* FNV-1a 64 of a schema's messages and reserved ids; never 0. */
uint64_t lock_schema_fingerprint(const tc_schema *sc);
/* Appends the canonical spelling of a type: u32, char[8], pad[4],
 * struct:market.MarketTick, enum:frames.PixelFormat:u8, f32[256]. */
void lock_type_name(tc_buf *b, const tc_type *t);

/* Appends the lock text of a whole program (every schema, sorted). */
void lock_write(tc_buf *b, const tc_program *prog);

/* Compares the program against the lock text; prints one line per finding to
 * out and returns LOCK_SAME, LOCK_COMPATIBLE or LOCK_BREAKING, or -1 after
 * printing why the lock text cannot be read (to err). */
int lock_check(const char *lock_path, const char *lock_text, const tc_program *prog, FILE *out, FILE *err);

#endif
