/* Unit test of kv "hostdir": a folder built in /tmp with files, a nested
 * folder, symbolic links inside and outside, a FIFO and a secret file next
 * to it. Reads work; every way out (.., absolute paths, links to /etc or to
 * the parent, NUL bytes) reads as missing or malformed, both through the
 * kv wrapper and straight through the ops (the kernel's fence alone). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/unix/kv_hostdir.h"
#include "check.h"

static char root[256], site[300];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

static void sub(const char *fmt, const char *rel, char *out, size_t n)
{
	snprintf(out, n, fmt, root, rel);
}

static void setup(void)
{
	char p[512], q[512];

	snprintf(root, sizeof root, "/tmp/synth-hostdir-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(site, sizeof site, "%s/site", root);
	mkdir(site, 0755);
	sub("%s/%s", "site/sub", p, sizeof p);
	mkdir(p, 0755);
	sub("%s/%s", "site/sub/deeper", p, sizeof p);
	mkdir(p, 0755);
	put("secret", "top secret\n");
	put("site/index.html", "<h1>home</h1>\n");
	put("site/sub/page.txt", "a page\n");
	put("site/sub/deeper/x", "x");
	sub("%s/%s", "site/link_in", p, sizeof p);
	symlink("sub/page.txt", p);
	sub("%s/%s", "site/sub/link_sibling", p, sizeof p);
	symlink("../index.html", p); /* goes up, but stays inside the folder */
	sub("%s/%s", "site/link_passwd", p, sizeof p);
	symlink("/etc/passwd", p);
	sub("%s/%s", "site/link_etc", p, sizeof p);
	symlink("/etc", p);
	sub("%s/%s", "site/link_up", p, sizeof p);
	symlink("..", p);
	sub("%s/%s", "site/link_secret", p, sizeof p);
	symlink("../secret", p);
	sub("%s/%s", "site/fifo", p, sizeof p);
	mkfifo(p, 0644);
	/* A known modification time. */
	sub("%s/%s", "site/index.html", q, sizeof q);
	struct timespec ts[2] = { { 1600000000, 123456789 }, { 1600000000, 123456789 } };
	utimensat(AT_FDCWD, q, ts, 0);
}

static void teardown(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
}

/* Open through the wrapper (kv_path_check first). */
static int wopen(struct kv *k, const char *path, struct kv_file *f)
{
	return kv_open(k, path, strlen(path), f);
}

/* Open straight through the ops: only openat2 stands in the way. */
static int ropen(struct kv *k, const char *path, struct kv_file *f)
{
	int rc = k->ops->open(k->state, path, strlen(path), f);
	if (rc == 0)
		kv_close(k, f);
	return rc;
}

static void check_content(struct kv *k, const char *path, const char *want)
{
	struct kv_file f;
	char buf[128];
	int rc = wopen(k, path, &f);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	CHECK_EQ_UINT(f.size, strlen(want));
	CHECK_EQ_UINT(f.flags, 0);
	CHECK(f.data == NULL);
	long n = kv_pread(k, &f, buf, sizeof buf - 1, 0);
	CHECK_EQ_INT(n, (long)strlen(want));
	if (n >= 0) {
		buf[n] = '\0';
		CHECK_EQ_STR(buf, want);
	}
	kv_close(k, &f);
}

struct listing {
	char names[32][64];
	uint32_t flags[32];
	int n;
};

static int collect(void *arg, const char *name, const struct kv_file *f)
{
	struct listing *l = arg;
	if (l->n < 32) {
		snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
		l->flags[l->n] = f->flags;
	}
	l->n++;
	return 0;
}

int main(void)
{
	struct kv k = { .name = "content" };
	struct kv_hostdir st;
	struct kv_file f;
	char buf[64];

	setup();
	struct kv_hostdir_config cfg = { .dir = site };
	CHECK_EQ_INT(kv_hostdir_connect(&k, &st, &cfg), 0);
	CHECK_EQ_STR(k.ops->name, "hostdir");

	check_content(&k, "index.html", "<h1>home</h1>\n");
	check_content(&k, "sub/page.txt", "a page\n");
	check_content(&k, "sub/deeper/x", "x");
	check_content(&k, "link_in", "a page\n");
	check_content(&k, "sub/link_sibling", "<h1>home</h1>\n");

	/* pread at offsets, past the end. */
	CHECK_EQ_INT(wopen(&k, "index.html", &f), 0);
	CHECK_EQ_INT(f.mtime_ns, 1600000000123456789LL);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, 4, 4), 4);
	CHECK_EQ_MEM(buf, "home", 4);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 14), 0);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 1000), 0);
	kv_close(&k, &f);

	/* Folders and the root. */
	CHECK_EQ_INT(wopen(&k, "sub", &f), 0);
	CHECK_EQ_UINT(f.flags, KV_DIR);
	CHECK_EQ_INT(kv_pread(&k, &f, buf, sizeof buf, 0), -EISDIR);
	kv_close(&k, &f);
	CHECK_EQ_INT(wopen(&k, "", &f), 0);
	CHECK_EQ_UINT(f.flags, KV_DIR);
	kv_close(&k, &f);
	CHECK_EQ_INT(wopen(&k, "missing.html", &f), -ENOENT);
	CHECK_EQ_INT(wopen(&k, "index.html/x", &f), -ENOTDIR);

	/* Ways out, through the wrapper. */
	CHECK_EQ_INT(wopen(&k, "../secret", &f), -EINVAL);
	CHECK_EQ_INT(wopen(&k, "sub/../../secret", &f), -EINVAL);
	CHECK_EQ_INT(wopen(&k, "/etc/passwd", &f), -EINVAL);
	CHECK_EQ_INT(kv_open(&k, "index.html\0/../../secret", 24, &f), -EINVAL);
	CHECK_EQ_INT(wopen(&k, "link_passwd", &f), -ENOENT);
	CHECK_EQ_INT(wopen(&k, "link_etc/passwd", &f), -ENOENT);
	CHECK_EQ_INT(wopen(&k, "link_etc", &f), -ENOENT);
	CHECK_EQ_INT(wopen(&k, "link_up/secret", &f), -ENOENT);
	CHECK_EQ_INT(wopen(&k, "link_secret", &f), -ENOENT);
	/* The FIFO is neither file nor folder, and opening it must not hang. */
	CHECK_EQ_INT(wopen(&k, "fifo", &f), -ENOENT);

	/* The same, straight through the ops: the kernel's fence holds. */
	CHECK_EQ_INT(ropen(&k, "../secret", &f), -ENOENT);
	CHECK_EQ_INT(ropen(&k, "sub/../../secret", &f), -ENOENT);
	CHECK_EQ_INT(ropen(&k, "/etc/passwd", &f), -ENOENT);
	CHECK_EQ_INT(ropen(&k, "..", &f), -ENOENT);
	CHECK_EQ_INT(ropen(&k, "/proc/self/root/etc/passwd", &f), -ENOENT);
	CHECK_EQ_INT(ropen(&k, "link_up/secret", &f), -ENOENT);
	CHECK_EQ_INT(k.ops->open(k.state, "index.html\0/../../secret", 24, &f), -EINVAL);
	/* Inside moves are fine for the kernel (the wrapper refuses them). */
	CHECK_EQ_INT(ropen(&k, "sub/../index.html", &f), 0);

	/* Listings: sorted, escaping links and the FIFO left out. */
	struct listing l;
	memset(&l, 0, sizeof l);
	CHECK_EQ_INT(kv_list(&k, "", 0, collect, &l), 0);
	CHECK_EQ_INT(l.n, 3);
	CHECK_EQ_STR(l.names[0], "index.html");
	CHECK_EQ_STR(l.names[1], "link_in");
	CHECK_EQ_STR(l.names[2], "sub");
	CHECK_EQ_UINT(l.flags[1], 0);
	CHECK_EQ_UINT(l.flags[2], KV_DIR);
	memset(&l, 0, sizeof l);
	CHECK_EQ_INT(kv_list(&k, "sub", 3, collect, &l), 0);
	CHECK_EQ_INT(l.n, 3);
	CHECK_EQ_STR(l.names[0], "deeper");
	CHECK_EQ_STR(l.names[1], "link_sibling");
	CHECK_EQ_STR(l.names[2], "page.txt");
	memset(&l, 0, sizeof l);
	CHECK_EQ_INT(kv_list(&k, "link_etc", 8, collect, &l), -ENOENT);
	CHECK_EQ_INT(k.ops->list(k.state, "..", 2, collect, &l), -ENOENT);
	CHECK_EQ_INT(kv_list(&k, "index.html", 10, collect, &l), -ENOTDIR);
	CHECK_EQ_INT(kv_list(&k, "nope", 4, collect, &l), -ENOENT);
	CHECK_EQ_INT(l.n, 0);

	kv_hostdir_disconnect(&st);

	/* A folder that does not exist. */
	struct kv_hostdir_config bad = { .dir = "/nonexistent/synth-test" };
	CHECK_EQ_INT(kv_hostdir_connect(&k, &st, &bad), -ENOENT);

	teardown();
	return check_report();
}
