/* Unit test of fs "hostdir": every operation through the devices/fs.h
 * wrappers on a folder built in /tmp, and every way out of it refused:
 * "..", absolute paths, symbolic links to /etc, to the parent and to a
 * secret file beside the folder, dangling links that would create a file
 * outside, and names acted on through a link (mkdir, rename, unlink,
 * rmdir). Also the read-only and create parameters, sorted listings that
 * leave out escaping links and FIFOs, and the errors fs callers rely on. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/fs_hostdir.h"
#include "check.h"

static char root[256], site[300];

static void host_path(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	host_path(p, sizeof p, rel);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static bool host_exists(const char *rel)
{
	char p[512];
	struct stat sb;
	host_path(p, sizeof p, rel);
	return lstat(p, &sb) == 0;
}

static void host_link(const char *target, const char *rel)
{
	char p[512];
	host_path(p, sizeof p, rel);
	if (symlink(target, p) != 0) {
		perror(p);
		exit(2);
	}
}

static void setup(void)
{
	char p[512];
	snprintf(root, sizeof root, "/tmp/synth-fs-hostdir-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(site, sizeof site, "%s/site", root);
	mkdir(site, 0755);
	host_path(p, sizeof p, "site/sub");
	mkdir(p, 0755);
	host_path(p, sizeof p, "outside");
	mkdir(p, 0755);
	put("secret", "top secret\n");
	put("site/index.html", "<h1>home</h1>\n");
	put("site/sub/page.txt", "a page\n");
	host_link("sub/page.txt", "site/link_in");
	host_link("../index.html", "site/sub/link_sibling");
	host_link("/etc/passwd", "site/link_passwd");
	host_link("/etc", "site/link_etc");
	host_link("..", "site/link_up");
	host_link("../secret", "site/link_secret");
	host_link("../outside", "site/link_outside");
	host_link("../created_outside", "site/link_dangling");
	host_path(p, sizeof p, "site/fifo");
	mkfifo(p, 0644);
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

/* The whole content of a file through the device, or "(failed)". */
static char *slurp(struct fs *d, const char *path, char *buf, size_t cap)
{
	struct fs_file *h;
	snprintf(buf, cap, "(failed)");
	if (fs_open(d, path, FS_READ, &h) != 0)
		return buf;
	long n = fs_read(d, h, buf, cap - 1);
	fs_close(d, h);
	if (n < 0)
		return buf;
	buf[n] = '\0';
	return buf;
}

static int write_file(struct fs *d, const char *path, uint32_t flags, const char *text)
{
	struct fs_file *h;
	int rc = fs_open(d, path, flags, &h);
	if (rc != 0)
		return rc;
	long n = fs_write(d, h, text, strlen(text));
	fs_close(d, h);
	return n == (long)strlen(text) ? 0 : n < 0 ? (int)n : -EIO;
}

struct listing {
	char names[32][64];
	bool dirs[32];
	int n;
};

static int collect(void *arg, const char *name, const struct fs_stat *st)
{
	struct listing *l = arg;
	if (l->n < 32) {
		snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
		l->dirs[l->n] = st->is_dir;
	}
	l->n++;
	return 0;
}

static int stop_at_second(void *arg, const char *name, const struct fs_stat *st)
{
	(void)name;
	(void)st;
	return ++*(int *)arg == 2 ? 42 : 0;
}

static void test_files(struct fs *d)
{
	char buf[256];
	struct fs_file *h;
	struct fs_stat st;

	CHECK_EQ_STR(slurp(d, "index.html", buf, sizeof buf), "<h1>home</h1>\n");
	CHECK_EQ_STR(slurp(d, "/sub//page.txt", buf, sizeof buf), "a page\n");
	CHECK_EQ_STR(slurp(d, "link_in", buf, sizeof buf), "a page\n");
	CHECK_EQ_STR(slurp(d, "sub/link_sibling", buf, sizeof buf), "<h1>home</h1>\n");

	/* Create, write, seek, read back, append, truncate both ways. */
	CHECK_EQ_INT(fs_open(d, "new.txt", FS_READ | FS_WRITE | FS_CREATE | FS_EXCL, &h), 0);
	CHECK_EQ_INT(fs_write(d, h, "hello world", 11), 11);
	CHECK_EQ_INT(fs_seek(d, h, 6, FS_SEEK_SET), 6);
	CHECK_EQ_INT(fs_read(d, h, buf, 5), 5);
	CHECK_EQ_MEM(buf, "world", 5);
	CHECK_EQ_INT(fs_seek(d, h, -5, FS_SEEK_END), 6);
	CHECK_EQ_INT(fs_seek(d, h, 2, FS_SEEK_CUR), 8);
	CHECK_EQ_INT(fs_seek(d, h, -100, FS_SEEK_CUR), -EINVAL);
	CHECK_EQ_INT(fs_fstat(d, h, &st), 0);
	CHECK_EQ_UINT(st.size, 11);
	CHECK(!st.is_dir);
	CHECK(st.mtime_ns > 0 && st.ctime_ns > 0);
	CHECK_EQ_INT(fs_truncate(d, h, 5), 0);
	CHECK_EQ_INT(fs_truncate(d, h, 8), 0);
	CHECK_EQ_INT(fs_fstat(d, h, &st), 0);
	CHECK_EQ_UINT(st.size, 8);
	CHECK_EQ_INT(fs_sync(d, h), 0);
	CHECK_EQ_INT(fs_close(d, h), 0);
	CHECK_EQ_MEM(slurp(d, "new.txt", buf, sizeof buf), "hello\0\0\0", 9);
	CHECK_EQ_INT(fs_open(d, "new.txt", FS_WRITE | FS_CREATE | FS_EXCL, &h), -EEXIST);
	CHECK_EQ_INT(write_file(d, "new.txt", FS_WRITE | FS_APPEND, "!"), 0);
	CHECK_EQ_MEM(slurp(d, "new.txt", buf, sizeof buf), "hello\0\0\0!", 10);
	CHECK_EQ_INT(write_file(d, "new.txt", FS_WRITE | FS_TRUNCATE, "fresh"), 0);
	CHECK_EQ_STR(slurp(d, "new.txt", buf, sizeof buf), "fresh");
	CHECK_EQ_INT(fs_sync(d, NULL), 0);

	/* A handle opened for reading cannot change the file. */
	CHECK_EQ_INT(fs_open(d, "new.txt", FS_READ, &h), 0);
	CHECK(fs_write(d, h, "x", 1) < 0);
	CHECK_EQ_INT(fs_truncate(d, h, 0), -EBADF);
	fs_close(d, h);

	/* Stat, folders and the root. */
	CHECK_EQ_INT(fs_stat(d, "index.html", &st), 0);
	CHECK_EQ_UINT(st.size, 14);
	CHECK_EQ_INT(fs_stat(d, "sub", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fs_stat(d, "", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fs_stat(d, "/", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fs_stat(d, "missing", &st), -ENOENT);
	CHECK_EQ_INT(fs_stat(d, "index.html/x", &st), -ENOTDIR);
	CHECK_EQ_INT(fs_open(d, "sub", FS_READ, &h), 0);
	CHECK_EQ_INT(fs_read(d, h, buf, sizeof buf), -EISDIR);
	fs_close(d, h);
	CHECK_EQ_INT(fs_open(d, "sub", FS_WRITE, &h), -EISDIR);
	CHECK_EQ_INT(fs_open(d, "missing", FS_READ, &h), -ENOENT);
	CHECK_EQ_INT(fs_open(d, "nodir/new", FS_WRITE | FS_CREATE, &h), -ENOENT);
	/* The FIFO is neither file nor folder, and opening it must not hang. */
	CHECK_EQ_INT(fs_open(d, "fifo", FS_READ, &h), -ENOENT);
	CHECK_EQ_INT(fs_stat(d, "fifo", &st), -ENOENT);
}

static void test_names(struct fs *d)
{
	char buf[256];
	struct fs_stat st;

	CHECK_EQ_INT(fs_mkdir(d, "dir"), 0);
	CHECK_EQ_INT(fs_mkdir(d, "dir"), -EEXIST);
	CHECK_EQ_INT(fs_mkdir(d, "dir/a/b"), -ENOENT);
	CHECK_EQ_INT(fs_mkdir(d, "dir/a"), 0);
	CHECK_EQ_INT(fs_mkdir(d, ""), -EEXIST);
	CHECK_EQ_INT(write_file(d, "dir/a/f.txt", FS_WRITE | FS_CREATE, "f"), 0);
	CHECK_EQ_INT(fs_rmdir(d, "dir"), -ENOTEMPTY);
	CHECK_EQ_INT(fs_rmdir(d, "dir/a/f.txt"), -ENOTDIR);
	CHECK_EQ_INT(fs_unlink(d, "dir/a"), -EISDIR);
	CHECK_EQ_INT(fs_unlink(d, ""), -EISDIR);
	CHECK_EQ_INT(fs_rmdir(d, ""), -EBUSY);

	/* Rename: a file across folders, over another file, a folder. */
	CHECK_EQ_INT(fs_rename(d, "dir/a/f.txt", "moved.txt"), 0);
	CHECK_EQ_INT(fs_stat(d, "dir/a/f.txt", &st), -ENOENT);
	CHECK_EQ_STR(slurp(d, "moved.txt", buf, sizeof buf), "f");
	CHECK_EQ_INT(fs_rename(d, "moved.txt", "new.txt"), 0);
	CHECK_EQ_STR(slurp(d, "new.txt", buf, sizeof buf), "f");
	CHECK_EQ_INT(fs_rename(d, "dir/a", "sub/a2"), 0);
	CHECK_EQ_INT(fs_stat(d, "sub/a2", &st), 0);
	CHECK(st.is_dir);
	CHECK_EQ_INT(fs_rename(d, "sub", "sub/a2/inside"), -EINVAL);
	CHECK_EQ_INT(fs_rename(d, "sub", "new.txt"), -ENOTDIR);
	CHECK_EQ_INT(fs_rename(d, "missing", "x"), -ENOENT);
	CHECK_EQ_INT(fs_rename(d, "", "x"), -EBUSY);
	CHECK_EQ_INT(fs_rmdir(d, "sub/a2"), 0);
	CHECK_EQ_INT(fs_rmdir(d, "dir"), 0);
	CHECK_EQ_INT(fs_unlink(d, "new.txt"), 0);
	CHECK_EQ_INT(fs_unlink(d, "new.txt"), -ENOENT);
	CHECK(!host_exists("site/new.txt"));

	/* Listings: sorted; links leading out and the FIFO left out. */
	struct listing l;
	memset(&l, 0, sizeof l);
	CHECK_EQ_INT(fs_list(d, "", collect, &l), 0);
	const char *want[] = { "index.html", "link_in", "sub" };
	CHECK_EQ_INT(l.n, 3);
	for (int i = 0; i < 3 && i < l.n; i++)
		CHECK_EQ_STR(l.names[i], want[i]);
	CHECK(l.n == 3 && l.dirs[2] && !l.dirs[0]);
	memset(&l, 0, sizeof l);
	CHECK_EQ_INT(fs_list(d, "/sub/", collect, &l), 0);
	CHECK_EQ_INT(l.n, 2);
	CHECK_EQ_STR(l.names[0], "link_sibling");
	CHECK_EQ_STR(l.names[1], "page.txt");
	int count = 0;
	CHECK_EQ_INT(fs_list(d, "", stop_at_second, &count), 42);
	CHECK_EQ_INT(fs_list(d, "index.html", collect, &l), -ENOTDIR);
	CHECK_EQ_INT(fs_list(d, "missing", collect, &l), -ENOENT);
}

/* Every way out: lexical ones are malformed, kernel-refused ones -EACCES,
 * and nothing outside the folder is read, created, moved or removed. */
static void test_escapes(struct fs *d)
{
	char buf[256];
	struct fs_file *h;
	struct fs_stat st;
	struct listing l;

	CHECK_EQ_INT(fs_open(d, "../secret", FS_READ, &h), -EINVAL);
	CHECK_EQ_INT(fs_open(d, "sub/../../secret", FS_READ, &h), -EINVAL);
	CHECK_EQ_INT(fs_open(d, "./index.html", FS_READ, &h), -EINVAL);
	CHECK_EQ_INT(fs_open(d, "..", FS_READ, &h), -EINVAL);
	/* An absolute path is taken from the folder's root. */
	CHECK_EQ_INT(fs_open(d, "/etc/passwd", FS_READ, &h), -ENOENT);
	CHECK_EQ_INT(fs_open(d, "/proc/self/root/etc/passwd", FS_READ, &h), -ENOENT);
	CHECK_EQ_INT(fs_open(d, "link_passwd", FS_READ, &h), -EACCES);
	CHECK_EQ_INT(fs_open(d, "link_etc/passwd", FS_READ, &h), -EACCES);
	CHECK_EQ_INT(fs_open(d, "link_up/secret", FS_READ, &h), -EACCES);
	CHECK_EQ_INT(fs_open(d, "link_secret", FS_READ, &h), -EACCES);
	CHECK_EQ_INT(fs_open(d, "link_secret", FS_WRITE | FS_TRUNCATE, &h), -EACCES);
	CHECK_EQ_STR(slurp(d, "index.html", buf, sizeof buf), "<h1>home</h1>\n");
	CHECK_EQ_INT(fs_stat(d, "link_secret", &st), -EACCES);
	CHECK_EQ_INT(fs_stat(d, "link_up", &st), -EACCES);

	/* Creating through links that lead out. */
	CHECK_EQ_INT(fs_open(d, "link_dangling", FS_WRITE | FS_CREATE, &h), -EACCES);
	CHECK(!host_exists("created_outside"));
	CHECK_EQ_INT(fs_open(d, "link_outside/new", FS_WRITE | FS_CREATE, &h), -EACCES);
	CHECK(!host_exists("outside/new"));
	CHECK_EQ_INT(fs_mkdir(d, "link_up/evil"), -EACCES);
	CHECK_EQ_INT(fs_mkdir(d, "link_outside/evil"), -EACCES);
	CHECK_EQ_INT(fs_mkdir(d, "link_etc/evil"), -EACCES);
	CHECK(!host_exists("evil") && !host_exists("outside/evil"));
	CHECK_EQ_INT(fs_mkdir(d, "../evil"), -EINVAL);
	CHECK(!host_exists("evil"));

	/* Moving in or out through links. */
	CHECK_EQ_INT(fs_rename(d, "index.html", "link_up/stolen"), -EACCES);
	CHECK_EQ_INT(fs_rename(d, "index.html", "link_outside/stolen"), -EACCES);
	CHECK(!host_exists("stolen") && !host_exists("outside/stolen"));
	CHECK_EQ_INT(fs_rename(d, "link_up/secret", "got"), -EACCES);
	CHECK_EQ_INT(fs_rename(d, "index.html", "../stolen"), -EINVAL);
	CHECK(host_exists("secret") && !host_exists("site/got"));

	/* Removing through links. */
	CHECK_EQ_INT(fs_unlink(d, "link_up/secret"), -EACCES);
	CHECK_EQ_INT(fs_rmdir(d, "link_up/outside"), -EACCES);
	CHECK(host_exists("secret") && host_exists("outside"));
	/* A link is a name in the folder: removing or renaming it acts on the
	 * link, never on what it points to. */
	CHECK_EQ_INT(fs_rmdir(d, "link_outside"), -ENOTDIR);
	CHECK_EQ_INT(fs_rename(d, "link_secret", "renamed_link"), 0);
	CHECK_EQ_INT(fs_open(d, "renamed_link", FS_READ, &h), -EACCES);
	CHECK_EQ_INT(fs_unlink(d, "renamed_link"), 0);
	CHECK(host_exists("secret") && !host_exists("site/renamed_link"));

	/* Listing through a link. */
	CHECK_EQ_INT(fs_list(d, "link_up", collect, &l), -EACCES);
	CHECK_EQ_INT(fs_list(d, "link_etc", collect, &l), -EACCES);
	CHECK_EQ_INT(fs_list(d, "..", collect, &l), -EINVAL);
}

static void test_read_only(void)
{
	struct fs d = { .name = "ro" };
	struct fs_hostdir st;
	struct fs_hostdir_config cfg = { .dir = site, .read_only = true };
	struct fs_file *h;
	char buf[64];
	CHECK_EQ_INT(fs_hostdir_connect(&d, &st, &cfg), 0);
	CHECK_EQ_STR(slurp(&d, "index.html", buf, sizeof buf), "<h1>home</h1>\n");
	CHECK_EQ_INT(fs_open(&d, "index.html", FS_READ | FS_WRITE, &h), -EROFS);
	CHECK_EQ_INT(fs_open(&d, "x", FS_WRITE | FS_CREATE, &h), -EROFS);
	CHECK_EQ_INT(fs_open(&d, "index.html", FS_READ | FS_TRUNCATE, &h), -EROFS);
	CHECK_EQ_INT(fs_mkdir(&d, "x"), -EROFS);
	CHECK_EQ_INT(fs_rmdir(&d, "sub"), -EROFS);
	CHECK_EQ_INT(fs_unlink(&d, "index.html"), -EROFS);
	CHECK_EQ_INT(fs_rename(&d, "index.html", "y"), -EROFS);
	CHECK_EQ_INT(fs_open(&d, "index.html", FS_READ, &h), 0);
	CHECK_EQ_INT(fs_truncate(&d, h, 0), -EROFS);
	CHECK_EQ_INT(fs_write(&d, h, "x", 1), -EROFS);
	fs_close(&d, h);
	CHECK_EQ_STR(slurp(&d, "index.html", buf, sizeof buf), "<h1>home</h1>\n");
	fs_hostdir_disconnect(&st);
}

static void test_connect(void)
{
	struct fs d = { .name = "c" };
	struct fs_hostdir st;
	char p[512];
	host_path(p, sizeof p, "made");
	struct fs_hostdir_config cfg = { .dir = p };
	CHECK_EQ_INT(fs_hostdir_connect(&d, &st, &cfg), -ENOENT);
	cfg.create = true;
	CHECK_EQ_INT(fs_hostdir_connect(&d, &st, &cfg), 0);
	CHECK(host_exists("made"));
	fs_hostdir_disconnect(&st);
	host_path(p, sizeof p, "secret");
	cfg.dir = p;
	CHECK_EQ_INT(fs_hostdir_connect(&d, &st, &cfg), -ENOTDIR);
}

int main(void)
{
	struct fs d = { .name = "data" };
	struct fs_hostdir st;

	setup();
	struct fs_hostdir_config cfg = { .dir = site };
	CHECK_EQ_INT(fs_hostdir_connect(&d, &st, &cfg), 0);
	CHECK_EQ_STR(d.ops->name, "hostdir");
	test_files(&d);
	test_names(&d);
	test_escapes(&d);
	fs_hostdir_disconnect(&st);
	test_read_only();
	test_connect();
	teardown();
	return check_report();
}
