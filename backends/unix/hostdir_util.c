/* Shared by kv hostdir and fs hostdir (backends/unix/hostdir_util.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backends/unix/hostdir_util.h"
#include "lib/platform.h"

int hostdir_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode)
{
	struct open_how how = {
		.flags = flags,
		.mode = mode,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = -1;
	/* glibc 2.36 has no openat2 wrapper. EAGAIN: a rename raced with the
	 * kernel's ".." check; trying again is what the kernel asks for. */
	for (int tries = 0; tries < 100; tries++) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
		if (fd >= 0 || (errno != EINTR && errno != EAGAIN))
			break;
	}
	return fd >= 0 ? (int)fd : -errno;
}

int hostdir_open_root(const char *dir, const char *who)
{
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -errno;
	int fd = hostdir_openat2(dirfd, ".", O_PATH | O_CLOEXEC, 0);
	if (fd < 0) {
		if (fd == -ENOSYS) {
			char msg[160];
			int n = snprintf(msg, sizeof msg, "%s: this kernel has no openat2(2); refusing to serve a folder\n", who);
			plat_diag_write(msg, n > 0 && (size_t)n < sizeof msg ? (size_t)n : 0);
		}
		close(dirfd);
		return fd;
	}
	close(fd);
	return dirfd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hostdir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int hostdir_names(int dfd, char ***out, size_t *nout)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		rc = -errno;
		close(dfd);
		return rc;
	}
	for (;;) {
		errno = 0;
		struct dirent *e = readdir(d);
		if (!e) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **nn = realloc(names, ncap * sizeof *nn);
			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
			cap = ncap;
		}
		if (!(names[n] = strdup(e->d_name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc < 0) {
		hostdir_names_free(names, n);
		return rc;
	}
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	*out = names;
	*nout = n;
	return 0;
}

int hostdir_each(int root, int dfd, char *path, size_t size, hostdir_each_fn fn, void *arg)
{
	char **names;
	size_t n;
	int rc = hostdir_names(dfd, &names, &n);
	if (rc < 0)
		return rc;
	size_t prefix = strcmp(path, ".") == 0 ? 0 : strlen(path);
	if (prefix > 0 && prefix + 1 < size)
		path[prefix++] = '/';
	for (size_t i = 0; rc == 0 && i < n; i++) {
		size_t len = strlen(names[i]);
		if (prefix + len >= size)
			continue;
		memcpy(path + prefix, names[i], len + 1);
		int fd = hostdir_openat2(root, path, O_PATH | O_CLOEXEC, 0);
		if (fd < 0)
			continue;
		rc = fn(arg, names[i], fd);
		close(fd);
	}
	hostdir_names_free(names, n);
	return rc;
}
