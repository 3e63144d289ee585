/* fatcheck: a small hosted driver of the FAT library for the integration
 * tests (tests/integration/fat_*.sh): it extracts an image's tree to a
 * host folder, loads a host tree into an image, formats, and runs single
 * operations, so that mtools and fsck.fat can judge the results.
 *
 *   fatcheck IMAGE ls [PATH]            list recursively: type size path
 *   fatcheck IMAGE extract HOSTDIR      copy every file and folder out
 *   fatcheck IMAGE load HOSTDIR [PATH]  copy a host tree in (under PATH)
 *   fatcheck IMAGE cat PATH             file bytes to stdout
 *   fatcheck IMAGE put HOSTFILE PATH    create or replace a file
 *   fatcheck IMAGE mkdir|rm|rmdir PATH
 *   fatcheck IMAGE mv FROM TO
 *   fatcheck IMAGE truncate PATH SIZE
 *   fatcheck IMAGE format [12|16|32] [LABEL]
 *   fatcheck IMAGE info
 * Exit status 0, or 1 with the error on stderr. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backends/unix/block_file.h"
#include "protocols/fat/fat.h"

static struct fat_volume vol;
static struct block dev;
static struct block_file bf;

static int64_t wall(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fail(const char *what, const char *path, int rc)
{
	fprintf(stderr, "fatcheck: %s %s: %s\n", what, path ? path : "", strerror(-rc));
	return 1;
}

static int ls(const char *path, int depth)
{
	struct fat_dir d;
	struct fat_dirent e;
	if (depth > 64)
		return fail("ls (too deep)", path, -ELOOP);
	int rc = fat_dir_open(&vol, &d, path);
	if (rc < 0)
		return fail("ls", path, rc);
	while ((rc = fat_dir_read(&d, &e)) > 0) {
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "", e.name);
		printf("%c %10llu %s\n", e.st.is_dir ? 'd' : 'f', (unsigned long long)e.st.size, sub);
		if (e.st.is_dir && ls(sub, depth + 1))
			return 1;
	}
	return rc < 0 ? fail("ls", path, rc) : 0;
}

static int extract(const char *path, const char *host, int depth)
{
	struct fat_dir d;
	struct fat_dirent e;
	if (depth > 64)
		return fail("extract (too deep)", path, -ELOOP);
	int rc = fat_dir_open(&vol, &d, path);
	if (rc < 0)
		return fail("extract", path, rc);
	while ((rc = fat_dir_read(&d, &e)) > 0) {
		char sub[4096], hsub[4096];
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "", e.name);
		snprintf(hsub, sizeof(hsub), "%s/%s", host, e.name);
		if (e.st.is_dir) {
			if (mkdir(hsub, 0755) < 0 && errno != EEXIST)
				return fail("mkdir", hsub, -errno);
			/* The listing's position survives the nested walk. */
			if (extract(sub, hsub, depth + 1))
				return 1;
			continue;
		}
		struct fat_file f;
		if ((rc = fat_open(&vol, &f, sub, FAT_O_READ)) < 0)
			return fail("open", sub, rc);
		FILE *out = fopen(hsub, "wb");
		if (out == NULL)
			return fail("create", hsub, -errno);
		static char buf[1 << 20];
		long n;
		while ((n = fat_read(&f, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, out);
		fclose(out);
		fat_close(&f);
		if (n < 0)
			return fail("read", sub, (int)n);
	}
	return rc < 0 ? fail("extract", path, rc) : 0;
}

static int put(const char *hostfile, const char *path)
{
	FILE *in = fopen(hostfile, "rb");
	if (in == NULL)
		return fail("open", hostfile, -errno);
	struct fat_file f;
	int rc = fat_open(&vol, &f, path, FAT_O_WRITE | FAT_O_CREATE | FAT_O_TRUNC);
	if (rc < 0) {
		fclose(in);
		return fail("create", path, rc);
	}
	static char buf[1 << 16];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		long w = fat_write(&f, buf, n);
		if (w != (long)n) {
			fclose(in);
			fat_close(&f);
			return fail("write", path, w < 0 ? (int)w : -EIO);
		}
	}
	fclose(in);
	if ((rc = fat_close(&f)) < 0)
		return fail("close", path, rc);
	return 0;
}

static int load(const char *host, const char *path)
{
	DIR *dp = opendir(host);
	if (dp == NULL)
		return fail("opendir", host, -errno);
	struct dirent *de;
	int result = 0;
	while (result == 0 && (de = readdir(dp)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[4096], hsub[4096];
		snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "", de->d_name);
		snprintf(hsub, sizeof(hsub), "%s/%s", host, de->d_name);
		struct stat st;
		if (stat(hsub, &st) < 0) {
			result = fail("stat", hsub, -errno);
		} else if (S_ISDIR(st.st_mode)) {
			int rc = fat_mkdir(&vol, sub);
			if (rc < 0 && rc != -EEXIST)
				result = fail("mkdir", sub, rc);
			else
				result = load(hsub, sub);
		} else {
			result = put(hsub, sub);
		}
	}
	closedir(dp);
	return result;
}

static int cat(const char *path)
{
	struct fat_file f;
	int rc = fat_open(&vol, &f, path, FAT_O_READ);
	if (rc < 0)
		return fail("open", path, rc);
	static char buf[1 << 16];
	long n;
	while ((n = fat_read(&f, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	fat_close(&f);
	return n < 0 ? fail("read", path, (int)n) : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fatcheck IMAGE ls|extract|load|cat|put|mkdir|rm|rmdir|mv|truncate|format|info ...\n");
		return 2;
	}
	const char *img = argv[1], *cmd = argv[2];
	bool ro = !strcmp(cmd, "ls") || !strcmp(cmd, "extract") || !strcmp(cmd, "cat") || !strcmp(cmd, "info");
	struct block_file_config cfg = { .path = img, .read_only = ro };
	int rc = block_file_connect(&dev, &bf, &cfg);
	if (rc < 0)
		return fail("open image", img, rc);
	if (!strcmp(cmd, "format")) {
		struct fat_format_opts o = { .clock = wall };
		if (argc > 3)
			o.type = (enum fat_type)atoi(argv[3]);
		if (argc > 4)
			o.label = argv[4];
		rc = fat_format(&dev, &o);
		block_file_disconnect(&bf);
		return rc < 0 ? fail("format", img, rc) : 0;
	}
	if ((rc = fat_mount(&vol, &dev, ro ? FAT_MOUNT_RDONLY : 0)) < 0)
		return fail("mount", img, rc);
	fat_set_clock(&vol, wall, NULL);
	int result = 0;
	const char *a = argc > 3 ? argv[3] : "", *b = argc > 4 ? argv[4] : "";
	if (!strcmp(cmd, "ls"))
		result = ls(a, 0);
	else if (!strcmp(cmd, "extract"))
		result = extract("", a, 0);
	else if (!strcmp(cmd, "load"))
		result = load(a, b);
	else if (!strcmp(cmd, "cat"))
		result = cat(a);
	else if (!strcmp(cmd, "put"))
		result = put(a, b);
	else if (!strcmp(cmd, "mkdir"))
		result = (rc = fat_mkdir(&vol, a)) < 0 ? fail("mkdir", a, rc) : 0;
	else if (!strcmp(cmd, "rm"))
		result = (rc = fat_unlink(&vol, a)) < 0 ? fail("rm", a, rc) : 0;
	else if (!strcmp(cmd, "rmdir"))
		result = (rc = fat_rmdir(&vol, a)) < 0 ? fail("rmdir", a, rc) : 0;
	else if (!strcmp(cmd, "mv"))
		result = (rc = fat_rename(&vol, a, b)) < 0 ? fail("mv", a, rc) : 0;
	else if (!strcmp(cmd, "truncate")) {
		struct fat_file f;
		if ((rc = fat_open(&vol, &f, a, FAT_O_WRITE)) < 0)
			result = fail("truncate", a, rc);
		else if ((rc = fat_truncate(&f, strtoull(b, NULL, 0))) < 0 || (rc = fat_close(&f)) < 0)
			result = fail("truncate", a, rc);
	} else if (!strcmp(cmd, "info")) {
		struct fat_volume_info vi;
		if ((rc = fat_volume_info(&vol, &vi)) < 0)
			result = fail("info", img, rc);
		else
			printf("FAT%d sector %u cluster %u clusters %u free %u label '%s' serial %08x%s\n", vi.type,
			       vi.sector_size, vi.cluster_size, vi.clusters, vi.free_clusters, vi.label, vi.serial,
			       vi.was_dirty ? " dirty" : "");
	} else {
		fprintf(stderr, "fatcheck: unknown command %s\n", cmd);
		result = 2;
	}
	if ((rc = fat_unmount(&vol)) < 0 && result == 0)
		result = fail("unmount", img, rc);
	block_file_disconnect(&bf);
	return result;
}
