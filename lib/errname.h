/* Names and short descriptions of error numbers (lib/libc/errno.h, Linux
 * numbering), for messages: "net: connect failed: EADDRINUSE (address
 * already in use)". Both accept the negative values devices return. */
#ifndef SYNTH_LIB_ERRNAME_H
#define SYNTH_LIB_ERRNAME_H

/* "ECONNREFUSED", or NULL for a number without a name. */
const char *err_name(int err);

/* "connection refused"; "unknown error" when there is none. */
const char *err_text(int err);

#endif
