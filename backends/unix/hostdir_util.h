/* Pieces the two host-folder devices (kv hostdir, fs hostdir) share:
 * openat2 confined beneath a folder, a folder's names read in one go and
 * sorted, and the listing built on both. Backend-internal: only
 * backends/unix/ includes this. */
#ifndef SYNTH_BACKENDS_UNIX_HOSTDIR_UTIL_H
#define SYNTH_BACKENDS_UNIX_HOSTDIR_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* openat2(dirfd, path) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
 * retried on EINTR and (a bounded number of times) on EAGAIN. Returns the
 * descriptor or the negative errno as the kernel gave it: -EXDEV when the
 * path would leave the folder, -ELOOP for a magic link or a link loop,
 * -ENOSYS before Linux 5.6. mode must be 0 unless flags has O_CREAT. */
int hostdir_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode);

/* Open the folder a device serves (O_DIRECTORY) and check that this
 * kernel has openat2; without it the device must refuse to start (the
 * confinement could not be guaranteed) and says so on the diagnostic
 * output, naming itself as who. Returns the descriptor or -errno. */
int hostdir_open_root(const char *dir, const char *who);

/* Every name of the open folder dfd but "." and "..", sorted bytewise.
 * Takes dfd over (it is closed). *names is an array of *n strings for
 * hostdir_names_free. Returns 0 or a negative errno (nothing to free). */
int hostdir_names(int dfd, char ***names, size_t *n);
void hostdir_names_free(char **names, size_t n);

/* What a listing does with one entry: name is its name, fd the entry
 * opened O_PATH (closed after the call). 0 goes on; anything else stops
 * the listing and is what hostdir_each returns. */
typedef int (*hostdir_each_fn)(void *arg, const char *name, int fd);

/* Call fn for every entry of the open folder dfd (taken over, like
 * hostdir_names), in name order. path (a buffer of size bytes) holds the
 * folder's path beneath root, "." for root itself; it is scratch space
 * for the entries' paths. Each entry is resolved from root the way an
 * open would be, so one that cannot be opened so (a link leading out, a
 * magic link, a name removed meanwhile, a path longer than size) is left
 * out rather than described. Every name is read first, so fn (which may
 * block the fiber or change the folder) runs with no descriptor but the
 * entry's held. Returns 0, fn's stopping value, or a negative errno. */
int hostdir_each(int root, int dfd, char *path, size_t size, hostdir_each_fn fn, void *arg);

#endif
