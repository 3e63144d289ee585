/* Pieces the two host-folder devices (kv hostdir, fs hostdir) share:
 * openat2 confined beneath a folder, and a folder's names read in one go
 * and sorted. Backend-internal: only backends/unix/ includes this. */
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

#endif
