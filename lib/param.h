/* Typed parameters: the values a manifest declares for devices and apps,
 * parsed from text (manifest defaults at synth time, --NAME=VALUE at run
 * time) into typed C storage. The same parsers run inside synth, so a bad
 * default is caught before anything is generated. */
#ifndef SYNTH_LIB_PARAM_H
#define SYNTH_LIB_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The C type each parameter type is stored as. */
enum param_type {
	PARAM_STRING,   /* const char *                                   */
	PARAM_PATH,     /* const char * (synth makes relative paths absolute) */
	PARAM_BOOL,     /* bool: true/false/yes/no/on/off/1/0            */
	PARAM_U16,      /* uint16_t                                       */
	PARAM_U32,      /* uint32_t                                       */
	PARAM_U64,      /* uint64_t                                       */
	PARAM_INT,      /* int64_t                                        */
	PARAM_IPV4,     /* struct ipv4_addr                               */
	PARAM_CIDR,     /* struct ipv4_cidr: a.b.c.d/len                  */
	PARAM_MAC,      /* struct mac_addr: xx:xx:xx:xx:xx:xx             */
	PARAM_DURATION, /* uint64_t nanoseconds: 10ms, 2s, 1m, 500us, 7ns */
	PARAM_SIZE,     /* uint64_t bytes: 512, 64K, 16M, 1G (powers of 2) */
	PARAM_TYPE_COUNT
};

/* Network byte order is not used here: addresses are host-order values. */
struct ipv4_addr {
	uint32_t v;
};
struct ipv4_cidr {
	struct ipv4_addr addr;
	uint8_t prefix;
};
struct mac_addr {
	uint8_t b[6];
};

/* One run-time parameter, as the generated devtab.c lists them. */
struct param_def {
	const char *name;       /* command-line name: DEVICE-PARAM, or PARAM for app params */
	enum param_type type;
	const char *def;        /* default, as text (also shown by --help) */
	const char *help;
	void *dest;             /* typed storage, see enum param_type */
	bool runtime;           /* false: fixed at build time, not on the command line */
};

/* Type names as written in manifests ("u16", "cidr", ...). */
const char *param_type_name(enum param_type t);
int param_type_from_name(const char *name, size_t len, enum param_type *out);

/* Parse text (len bytes, need not be NUL-terminated, except that
 * PARAM_STRING/PATH store the text pointer itself, so it must be
 * NUL-terminated and outlive dest) into dest. Returns 0, or -EINVAL with
 * a short reason in *why ("expected a number from 0 to 65535"). */
int param_parse(enum param_type t, const char *text, size_t len, void *dest, const char **why);

/* Render a stored value as text (for --help, describe, logs). Returns the
 * fmt_snprintf-style length. */
int param_format(enum param_type t, const void *src, char *buf, size_t size);

#endif
