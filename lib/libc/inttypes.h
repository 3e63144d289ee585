/* printf format macros for the fixed-width types (fmt_snprintf understands
 * the same length modifiers as C's printf). */
#ifndef SYNTH_LIBC_INTTYPES_H
#define SYNTH_LIBC_INTTYPES_H

#include <stdint.h>

#if __SIZEOF_LONG__ == 8
#define SYNTH__PRI64 "l"
#else
#define SYNTH__PRI64 "ll"
#endif

#define PRId8 "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 SYNTH__PRI64 "d"
#define PRIi64 SYNTH__PRI64 "i"
#define PRIu8 "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 SYNTH__PRI64 "u"
#define PRIx8 "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 SYNTH__PRI64 "x"
#define PRIX64 SYNTH__PRI64 "X"
#define PRIdMAX "jd"
#define PRIuMAX "ju"
#define PRIdPTR "td"
#define PRIuPTR "zu"
#define PRIxPTR "zx"

#endif
