/*
 * layout.h - field types, offsets and sizes of a struct (layout.c); called by
 * sema.c for every struct, in dependency order.
 */
#ifndef TACHC_LAYOUT_H
#define TACHC_LAYOUT_H

#include "scope.h"

/* Lays out one struct (and, first, the structs it contains). Sets sym->state
 * to DONE or FAILED. */
void layout_struct(sema *s, sema_sym *sym);

#endif
