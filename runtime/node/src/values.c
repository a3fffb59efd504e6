/*
 * values.c - what the addon's C files read from JavaScript values (numbers,
 * timeouts, byte views) and the ArrayBuffers they lay over ring memory.
 * Every reader returns false on a bad value and throws nothing: the caller
 * throws the error its own call names.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node_internal.h"
#include "tachyon.h"

bool tachyon_node_u32(napi_env env, napi_value v, uint32_t *out)
{
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d)
        return false;
    *out = (uint32_t)d;
    return true;
}

bool tachyon_node_size(napi_env env, napi_value v, size_t *out)
{
    double d;
    if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0 && d <= 9007199254740991.0) ||
        d != (double)(uint64_t)d)
        return false;
    *out = (size_t)d;
    return true;
}

int64_t tachyon_node_deadline_ms(double ms)
{
    return ms < 0 || ms != ms ? TACHYON_FOREVER : tachyon_now_ns() + (int64_t)(ms * 1e6);
}

bool tachyon_node_deadline(napi_env env, napi_value v, int64_t *deadline)
{
    napi_valuetype t;
    double ms;
    napi_typeof(env, v, &t);
    if (t == napi_undefined || t == napi_null) {
        *deadline = TACHYON_FOREVER;
        return true;
    }
    if (napi_get_value_double(env, v, &ms) != napi_ok || ms != ms)
        return false;
    *deadline = tachyon_node_deadline_ms(ms);
    return true;
}

bool tachyon_node_bytes(napi_env env, napi_value v, void **data, size_t *len)
{
    bool is;
    if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
        napi_typedarray_type type;
        size_t length, offset;
        napi_value ab;
        if (napi_get_typedarray_info(env, v, &type, &length, data, &ab, &offset) != napi_ok)
            return false;
        size_t elem = 1;
        switch (type) {
        case napi_int16_array: case napi_uint16_array: elem = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
        default: break;
        }
        *len = length * elem;
        return true;
    }
    if (napi_is_dataview(env, v, &is) == napi_ok && is) {
        napi_value ab;
        size_t offset;
        return napi_get_dataview_info(env, v, len, data, &ab, &offset) == napi_ok;
    }
    if (napi_is_arraybuffer(env, v, &is) == napi_ok && is)
        return napi_get_arraybuffer_info(env, v, data, len) == napi_ok;
    return false;
}

void tachyon_node_drop_ab(napi_env env, napi_ref *ref)
{
    napi_value ab;
    if (!*ref)
        return;
    if (napi_get_reference_value(env, *ref, &ab) == napi_ok && ab)
        napi_detach_arraybuffer(env, ab);
    napi_delete_reference(env, *ref);
    *ref = NULL;
}

napi_value tachyon_node_ring_ab(napi_env env, const void *data, size_t len, napi_ref *ref)
{
    static char empty_slot[16]; /* V8 wants a real pointer even for an empty buffer */
    napi_value ab;
    if (napi_create_external_arraybuffer(env, len ? (void *)data : empty_slot, len, NULL, NULL, &ab) != napi_ok ||
        napi_create_reference(env, ab, 1, ref) != napi_ok)
        return NULL;
    return ab;
}
