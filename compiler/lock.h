/*
 * lock.h - the lock file (`tachc lock`) and the drift check against it
 * (`tachc check`). Reads the model only.
 */
#ifndef TACHC_LOCK_H
#define TACHC_LOCK_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "model.h"

/* Exit codes of `tachc check`. */
#define LOCK_SAME 0
#define LOCK_COMPATIBLE 4
#define LOCK_BREAKING 8

/* Appends the lock text of a whole program (every schema, sorted). */
void lock_write(tc_buf *b, const tc_program *prog);

/* Compares the program against the lock text; prints one line per finding to
 * out and returns LOCK_SAME, LOCK_COMPATIBLE or LOCK_BREAKING, or -1 after
 * printing why the lock text cannot be read (to err). */
int lock_check(const char *lock_path, const char *lock_text, const tc_program *prog, FILE *out, FILE *err);

#endif
