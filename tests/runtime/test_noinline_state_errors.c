/* Description: test_state_errors through the library's exported hot-path functions (TACHYON_NO_INLINE): out-of-order calls are STATE, bad arguments INVALID_ARG or TOO_LARGE, NULL buses harmless. */
#define TACHYON_NO_INLINE
#include "test_state_errors.c"
