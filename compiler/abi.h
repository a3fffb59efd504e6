/*
 * abi.h - the canonical text of a layout and the fingerprints hashed from it.
 * The front end stamps the model with them; `tachc lock` prints the same
 * spellings. Reads the model only.
 */
#ifndef TACHC_ABI_H
#define TACHC_ABI_H

#include <stdint.h>

#include "buf.h"
#include "model.h"

/* FNV-1a 64 of a struct's canonical text (nested structs and enums by their
 * own fingerprint). */
uint64_t abi_struct_fingerprint(const tc_struct *st);
/* FNV-1a 64 of a schema's messages and reserved ids; never 0. */
uint64_t abi_schema_fingerprint(const tc_schema *sc);
/* Appends the canonical spelling of a type: u32, char[8], pad[4],
 * struct:market.MarketTick, enum:frames.PixelFormat:u8, f32[256]. */
void abi_type_name(tc_buf *b, const tc_type *t);
/* Appends an enum value as the lock writes it (signed or unsigned). */
void abi_value_text(tc_buf *b, const tc_enum *e, const tc_enum_value *v);
/* A schema's name, "?" for none. */
const char *abi_schema_name(const tc_schema *sc);

#endif
