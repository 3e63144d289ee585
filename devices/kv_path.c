/* The one definition of a well-formed kv path (devices/kv.h), shared by
 * every kv implementation and checked by the wrapper before any of them
 * sees a path: relative, '/'-separated, no empty, "." or ".." component,
 * no NUL byte, at most KV_PATH_MAX bytes. */
#include <errno.h>
#include <stddef.h>

#include "devices/kv.h"

int kv_path_check(const char *path, size_t len)
{
	if (len == 0)
		return 0; /* the root */
	if (len > KV_PATH_MAX)
		return -EINVAL;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] == '\0')
			return -EINVAL;
		if (i < len && path[i] != '/')
			continue;
		size_t n = i - start;
		if (n == 0)
			return -EINVAL; /* leading '/', trailing '/' or "//" */
		if (path[start] == '.' && (n == 1 || (n == 2 && path[start + 1] == '.')))
			return -EINVAL;
		start = i + 1;
	}
	return 0;
}
