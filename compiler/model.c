/* model.c - facts about the primitive types, shared by every pass. */
#include "model.h"

const char *prim_name(tc_prim p)
{
    static const char *const names[] = {"u8", "u16", "u32", "u64", "i8", "i16", "i32",
                                        "i64", "f32", "f64", "bool", "char"};
    return (unsigned)p < sizeof names / sizeof names[0] ? names[p] : "?";
}

unsigned prim_size(tc_prim p)
{
    switch (p) {
    case TC_U16: case TC_I16: return 2;
    case TC_U32: case TC_I32: case TC_F32: return 4;
    case TC_U64: case TC_I64: case TC_F64: return 8;
    default: return 1;
    }
}

int prim_is_signed(tc_prim p) { return p == TC_I8 || p == TC_I16 || p == TC_I32 || p == TC_I64; }
int prim_is_float(tc_prim p) { return p == TC_F32 || p == TC_F64; }
