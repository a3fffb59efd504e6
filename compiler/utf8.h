/* utf8.h - UTF-8 in the compiler: the lexer refuses a string constant that is
 * not UTF-8, and the emitters of languages whose strings are not bytes (Rust,
 * Python, TypeScript, Java, Kotlin, C#) spell it code point by code point. */
#ifndef TACHC_UTF8_H
#define TACHC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s, n bytes long at most. Returns how many bytes it
 * takes (1..4), or 0 when they are not UTF-8: a stray continuation byte, a
 * sequence cut short, an overlong form, a surrogate (U+D800..U+DFFF) or a value
 * above U+10FFFF. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    uint32_t c = s[0];
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, c &= 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

#endif
