/* Unit test of synth's file helpers and the ramdisk generator's folder
 * scan: lexical path cleaning, atomic updates that leave unchanged files
 * alone, and a scan over a real temporary tree (sorted entries, folders
 * listed, links followed only inside the root, loops cut, newlines in
 * names refused, SOURCE_DATE_EPOCH honoured). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/synth.h"
#include "synth_test.h"

static struct arena A;

static void test_paths(void)
{
	CHECK_EQ_STR(path_clean(&A, "/a/b/../c/./d/"), "/a/c/d");
	CHECK_EQ_STR(path_clean(&A, "/../x"), "/x");
	CHECK_EQ_STR(path_clean(&A, "a/../.."), "..");
	CHECK_EQ_STR(path_clean(&A, "../../a/b/.."), "../../a");
	CHECK_EQ_STR(path_clean(&A, "./"), ".");
	CHECK_EQ_STR(path_clean(&A, "//a//b"), "/a/b");
	CHECK_EQ_STR(path_join_abs(&A, "/app", "site"), "/app/site");
	CHECK_EQ_STR(path_join_abs(&A, "/app", "../shared/x.c"), "/shared/x.c");
	CHECK_EQ_STR(path_join_abs(&A, "/app", "/etc"), "/etc");
	CHECK_EQ_STR(path_under("/a/b/c", "/a/b"), "c");
	CHECK_EQ_STR(path_under("/a/b", "/a/b"), "");
	CHECK(path_under("/a/bc", "/a/b") == NULL);
	CHECK_EQ_STR(path_under("/a", "/"), "a");
}

static void test_update(const char *dir)
{
	char *f = arena_printf(&A, "%s/out.txt", dir);
	CHECK_EQ_INT(file_update(f, "one\n", 4), 1);
	struct stat st1, st2;
	CHECK(stat(f, &st1) == 0);
	/* Same content: untouched, same inode and time. */
	struct timespec old = { 1000000000, 0 };
	struct timespec times[2] = { old, old };
	CHECK(utimensat(AT_FDCWD, f, times, 0) == 0);
	CHECK_EQ_INT(file_update(f, "one\n", 4), 0);
	CHECK(stat(f, &st2) == 0);
	CHECK_EQ_INT(st2.st_mtim.tv_sec, 1000000000);
	CHECK_EQ_UINT(st2.st_ino, st1.st_ino);
	/* New content: replaced by rename, no temporary left over. */
	CHECK_EQ_INT(file_update(f, "two\n", 4), 1);
	size_t len;
	char *text = file_read(f, &len);
	CHECK(text && len == 4 && memcmp(text, "two\n", 4) == 0);
	free(text);
	CHECK_EQ_INT(file_update(arena_printf(&A, "%s/no/such/dir/x", dir), "x", 1) < 0, 1);
	CHECK_EQ_INT(mkdir_p(arena_printf(&A, "%s/m/n/o", dir)), 0);
	CHECK(path_is_dir(arena_printf(&A, "%s/m/n/o", dir)));
}

static void put(const char *dir, const char *rel, const char *text)
{
	char *p = arena_printf(&A, "%s/%s", dir, rel);
	CHECK_EQ_INT(file_update(p, text, strlen(text)), 1);
}

static void test_scan(const char *dir)
{
	char *root = arena_printf(&A, "%s/site", dir);
	CHECK_EQ_INT(mkdir_p(arena_printf(&A, "%s/css/img", root)), 0);
	CHECK_EQ_INT(mkdir_p(arena_printf(&A, "%s/empty", root)), 0);
	put(root, "index.html", "<p>hi</p>\n");
	put(root, "css/site.css", "body{}");
	put(root, "css/img/a.png", "PNG");
	put(root, "b-c.txt", "");
	put(root, "Z.txt", "upper");
	put(dir, "secret.txt", "outside");
	CHECK(symlink("../secret.txt", arena_printf(&A, "%s/leak.txt", root)) == 0);
	CHECK(symlink("/etc", arena_printf(&A, "%s/etc", root)) == 0);
	CHECK(symlink("index.html", arena_printf(&A, "%s/home.html", root)) == 0);
	CHECK(symlink("..", arena_printf(&A, "%s/css/up", root)) == 0);
	CHECK(symlink("nowhere", arena_printf(&A, "%s/dangling", root)) == 0);
	CHECK(mkfifo(arena_printf(&A, "%s/fifo", root), 0600) == 0);

	setenv("SOURCE_DATE_EPOCH", "1000000000", 1);
	struct diag d = { 0 };
	struct rd_tree t;
	CHECK(ramdisk_scan(&A, &d, (struct pos){ "t.synth", 3, 7 }, root, &t));
	CHECK_EQ_INT(d.errors, 0);
	static const char *const want[] = { "Z.txt", "b-c.txt", "css", "css/img", "css/img/a.png", "css/site.css",
		                            "empty", "home.html", "index.html" };
	CHECK_EQ_INT(t.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < t.n && i < sizeof want / sizeof want[0]; i++) {
		CHECK_EQ_STR(t.e[i]->rel, want[i]);
		CHECK_EQ_UINT(t.e[i]->rel_len, strlen(want[i]));
		CHECK_EQ_INT(t.e[i]->mtime_ns, 1000000000LL * 1000000000LL);
	}
	if (t.n == sizeof want / sizeof want[0]) {
		CHECK(t.e[2]->dir && t.e[2]->abs == NULL && t.e[2]->size == 0);
		CHECK(!t.e[8]->dir);
		CHECK_EQ_UINT(t.e[8]->size, 10);
		CHECK_EQ_STR(t.e[8]->abs, arena_printf(&A, "%s/index.html", root));
		CHECK_EQ_UINT(t.e[7]->size, 10); /* the link, followed */
	}
	CHECK_EQ_INT(t.dirs.n, 4); /* root, css, css/img, empty */
	unsetenv("SOURCE_DATE_EPOCH");

	/* A newline in a name is refused, at the manifest's position. */
	put(root, "bad\nname", "x");
	diag_free(&d);
	CHECK(!ramdisk_scan(&A, &d, (struct pos){ "t.synth", 3, 7 }, root, &t));
	CHECK(strncmp(buf_cstr(&d.text), "t.synth:3:7: error: ramdisk: file name with a newline", 52) == 0);
	diag_free(&d);
	CHECK(!ramdisk_scan(&A, &d, (struct pos){ "t.synth", 3, 7 }, arena_printf(&A, "%s/none", dir), &t));
	CHECK(strstr(buf_cstr(&d.text), "does not exist") != NULL);
	diag_free(&d);
	CHECK(!ramdisk_scan(&A, &d, (struct pos){ "t.synth", 3, 7 }, arena_printf(&A, "%s/secret.txt", dir), &t));
	CHECK(strstr(buf_cstr(&d.text), "is not a folder") != NULL);
	diag_free(&d);
}

int main(void)
{
	char tmpl[] = "/tmp/synth-test-files-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	test_paths();
	test_update(dir);
	test_scan(dir);
	char *cmd = arena_printf(&A, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	arena_free(&A);
	return check_report();
}
