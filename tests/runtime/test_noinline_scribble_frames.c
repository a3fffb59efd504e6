/* Description: test_scribble_frames through the library's exported hot-path functions (TACHYON_NO_INLINE): scribbled frame headers are CORRUPT there too, never followed. */
#define TACHYON_NO_INLINE
#include "test_scribble_frames.c"
