/* www: what the server's files share. main.c accepts connections,
 * server.c runs one fiber per connection (parse, answer, keep-alive),
 * files.c knows the content: lookups, the per-file response header cache,
 * content types and validators. */
#ifndef WWW_H
#define WWW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devices.h"
#include "lib/sched.h"
#include "protocols/http.h"

/* Per-connection memory is fixed: the read buffer bounds a request head
 * (longer heads get 431, longer targets 414), and the output buffer holds
 * the response headers of a pipelined batch, small bodies read from a
 * store that is not in memory, and the chunks of larger ones. */
#define WWW_RBUF 8192u
#define WWW_OBUF 8192u
#define WWW_MAX_TARGET 4096u
#define WWW_MAX_FIELDS 100u
#define WWW_OUT_IOV 64u
#define WWW_FIBER_STACK (32u * 1024u)

/* An open file with its response header fields ready to copy:
 * "Content-Type ... Content-Length ...\r\n" then the validators
 * "Last-Modified ...\r\nETag ...\r\n" (the part a 304 repeats). */
struct www_file {
	struct www_file *next; /* in the cache's hash chain */
	struct kv_file f;
	int64_t mtime_s;       /* Last-Modified, -1 when the store does not know it */
	uint32_t hash;
	uint32_t path_len;
	uint16_t hdr_len;      /* bytes of hdr */
	uint16_t validators;   /* where the validator fields start in hdr */
	uint8_t etag_len;
	char etag[44];         /* "\"<size hex>-<mtime ns hex>\"" */
	char hdr[256];
	char path[];           /* path_len bytes, NUL-terminated */
};

struct www {
	struct console *console;
	struct clock *clock;
	struct stack *net;
	struct kv *kv;
	uint64_t idle_ns;
	uint32_t max_conns;
	uint32_t active;    /* connections being served */
	struct cond slot;   /* signalled when active drops below max_conns */

	/* "Server: ...\r\nDate: <IMF-fixdate>\r\n", rebuilt once a second. */
	int64_t date_s;
	char server_date[64];
	uint8_t server_date_len;

	/* Files whose bytes are in memory (the ramdisk), opened once and kept
	 * with their header fields; never evicted, bounded in count. */
	struct www_file **cache;
	uint32_t cache_buckets, cached, cache_max;
};

/* server.c */
void www_conn_start(struct www *w, struct stack_flow *flow);
void www_refresh_date(struct www *w);

/* files.c */
int www_cache_init(struct www *w, uint32_t max_files);
/* The cached entry for a kv path, or NULL. */
struct www_file *www_cache_find(struct www *w, const char *path, size_t len);
/* Fill e (e->f already set) with the header fields and validators of the
 * file at path. */
void www_file_describe(struct www_file *e, const char *path, size_t len);
/* Keep e (allocated by the caller with malloc) in the cache; returns
 * false when the cache is full and the caller still owns e. */
bool www_cache_add(struct www *w, struct www_file *e);
/* The Content-Type for a file name, by extension. */
const char *www_content_type(const char *path, size_t len);

#endif
