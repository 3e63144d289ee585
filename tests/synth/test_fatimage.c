/* Unit test of synth's fatimage generator (synth/fatimage.c): a real
 * temporary tree (nested, empty and long- and non-ASCII-named entries,
 * files of many clusters) made into FAT12, FAT16 and FAT32 volumes that
 * the FAT library then reads back byte for byte with their times; the
 * stored image ends at the last used sector; the same tree gives the same
 * bytes; a crowded top folder still fits FAT12/16's fixed root; and every
 * refusal (names FAT cannot hold or tell apart, a size too small, a bad
 * type, a volume too large to bake in) is an error at the manifest's
 * position. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocols/fat/fat.h"
#include "synth/synth.h"
#include "synth_test.h"

static struct arena A;
static const struct pos WHERE = { "t.synth", 9, 13 };

/* The image as a disk: stored bytes, then zeros up to disk_size. */
struct disk {
	uint8_t *mem;
	uint64_t sectors;
};

static int d_info(void *st, struct block_info *out)
{
	out->sector_size = 512;
	out->sectors = ((struct disk *)st)->sectors;
	out->read_only = true;
	return 0;
}

static int d_read(void *st, uint64_t lba, uint32_t n, void *buf)
{
	memcpy(buf, ((struct disk *)st)->mem + lba * 512, (size_t)n * 512);
	return 0;
}

static const struct block_ops disk_ops = { .name = "test", .version = BLOCK_OPS_V1, .info = d_info, .read = d_read };

static struct disk D;
static struct block DEV;
static struct fat_volume VOL;

static bool mount_image(const struct fi_image *img)
{
	free(D.mem);
	D.mem = calloc(1, (size_t)img->disk_size);
	memcpy(D.mem, img->data, img->size);
	D.sectors = img->disk_size / 512;
	memset(&DEV, 0, sizeof DEV);
	DEV.ops = &disk_ops;
	DEV.state = &D;
	return block_connected(&DEV) == 0 && fat_mount(&VOL, &DEV, FAT_MOUNT_RDONLY) == 0;
}

static void put(const char *root, const char *rel, const void *data, size_t len)
{
	char *p = arena_printf(&A, "%s/%s", root, rel);
	CHECK_EQ_INT(file_update(p, data, len), 1);
}

static void check_file(const char *path, const void *want, size_t len)
{
	struct fat_file f;
	struct fat_stat st;
	int rc = fat_open(&VOL, &f, path, FAT_O_READ);
	CHECK_EQ_INT(rc, 0);
	if (rc)
		return;
	CHECK_EQ_INT(fat_fstat(&f, &st), 0);
	CHECK_EQ_UINT(st.size, len);
	CHECK_EQ_INT(st.mtime_ns, 1000000000LL * 1000000000LL);
	uint8_t *buf = malloc(len + 1);
	CHECK_EQ_INT(fat_read(&f, buf, len + 1), (long)len);
	CHECK(memcmp(buf, want, len) == 0);
	free(buf);
	fat_close(&f);
}

static struct rd_tree scan(const char *root)
{
	struct diag d = { 0 };
	struct rd_tree t;
	setenv("SOURCE_DATE_EPOCH", "1000000000", 1);
	CHECK(ramdisk_scan(&A, &d, WHERE, root, &t));
	unsetenv("SOURCE_DATE_EPOCH");
	diag_free(&d);
	return t;
}

static uint8_t big[70000], huge[3u << 20];

static void test_types(const char *dir)
{
	char *root = arena_printf(&A, "%s/site", dir);
	CHECK_EQ_INT(mkdir_p(arena_printf(&A, "%s/css/img", root)), 0);
	CHECK_EQ_INT(mkdir_p(arena_printf(&A, "%s/empty folder", root)), 0);
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)(i * 7 + i / 251);
	for (size_t i = 0; i < sizeof huge; i++)
		huge[i] = (uint8_t)(i ^ i >> 9);
	put(root, "index.html", "<p>hi</p>\n", 10);
	put(root, "css/site.css", "body{}", 6);
	put(root, "css/img/big.bin", big, sizeof big);
	put(root, "huge.bin", huge, sizeof huge);
	put(root, "empty.txt", "", 0);
	put(root, "A long name with spaces.html", "long", 4);
	put(root, "h\xc3\xa9llo w\xc3\xb6rld.txt", "utf-8", 5);
	struct rd_tree t = scan(root);

	static const uint32_t types[] = { 0, 12, 16, 32 };
	struct fi_image first = { 0 };
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
		struct diag d = { 0 };
		struct fi_image img;
		bool ok = fatimage_build(&d, WHERE, &t, 0, types[k], &img);
		CHECK(ok);
		if (!ok) {
			fputs(buf_cstr(&d.text), stderr);
			continue;
		}
		CHECK_EQ_INT(img.type, types[k] ? (int)types[k] : 12);
		CHECK(img.size <= img.disk_size && img.size % 512 == 0);
		/* The last stored sector holds something; FAT32's smallest volume
		 * is mostly free space, left out of the image. */
		CHECK(img.size >= 512);
		if (img.size > 512) {
			const uint8_t *last = img.data + img.size - 512;
			size_t j = 0;
			while (j < 512 && last[j] == 0)
				j++;
			CHECK(j < 512);
		}
		if (types[k] == 32)
			CHECK(img.size < img.disk_size / 4);
		CHECK(mount_image(&img));
		struct fat_volume_info vi;
		CHECK_EQ_INT(fat_volume_info(&VOL, &vi), 0);
		CHECK(!vi.was_dirty);
		check_file("index.html", "<p>hi</p>\n", 10);
		check_file("css/site.css", "body{}", 6);
		check_file("CSS/IMG/BIG.BIN", big, sizeof big);
		check_file("huge.bin", huge, sizeof huge);
		check_file("empty.txt", "", 0);
		check_file("A long name with spaces.html", "long", 4);
		check_file("h\xc3\xa9llo w\xc3\xb6rld.txt", "utf-8", 5);
		struct fat_stat st;
		CHECK_EQ_INT(fat_stat(&VOL, "empty folder", &st), 0);
		CHECK(st.is_dir);
		CHECK_EQ_INT(fat_stat(&VOL, "css/img", &st), 0);
		CHECK(st.is_dir);
		fat_unmount(&VOL);
		if (k == 0) {
			first = img;
			/* Same tree, same bytes. */
			struct fi_image again;
			CHECK(fatimage_build(&d, WHERE, &t, 0, 0, &again));
			CHECK(again.size == img.size && memcmp(again.data, img.data, img.size) == 0);
			free(again.data);
		} else {
			free(img.data);
		}
		diag_free(&d);
	}

	/* A size asked for is the volume's size. */
	struct diag d = { 0 };
	struct fi_image img;
	CHECK(fatimage_build(&d, WHERE, &t, 16u << 20, 0, &img));
	CHECK_EQ_UINT(img.disk_size, 16u << 20);
	CHECK_EQ_INT(img.type, 16);
	CHECK(mount_image(&img));
	check_file("huge.bin", huge, sizeof huge);
	fat_unmount(&VOL);
	free(img.data);
	/* ... and an error when the files do not fit in it. */
	CHECK(!fatimage_build(&d, WHERE, &t, 1u << 20, 0, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: the folder does not fit in a volume of 1048576 bytes (raise size)"));
	diag_free(&d);
	CHECK(!fatimage_build(&d, WHERE, &t, 0, 7, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: FAT type 7: expected 12, 16 or 32"));
	diag_free(&d);
	CHECK(!fatimage_build(&d, WHERE, &t, 4ull << 30, 0, &img));
	CHECK(strstr(buf_cstr(&d.text), "too large to bake into a binary") != NULL);
	diag_free(&d);
	CHECK(!fatimage_build(&d, WHERE, &t, 1u << 20, 32, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: the folder does not fit in a FAT32 volume of 1048576 bytes (raise size)"));
	diag_free(&d);
	CHECK(!fatimage_build(&d, WHERE, &t, 300u << 20, 12, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: no FAT12 volume can be made on 314572800 bytes (change size or fat)"));
	diag_free(&d);
	free(first.data);
}

static void test_names(const char *dir)
{
	struct diag d = { 0 };
	struct fi_image img;
	char *root = arena_printf(&A, "%s/case", dir);
	CHECK_EQ_INT(mkdir_p(root), 0);
	put(root, "Readme.txt", "a", 1);
	put(root, "README.TXT", "b", 1);
	struct rd_tree t = scan(root);
	CHECK(!fatimage_build(&d, WHERE, &t, 0, 0, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: Readme.txt: another name in its folder differs from it only in case"));
	diag_free(&d);

	root = arena_printf(&A, "%s/colon", dir);
	CHECK_EQ_INT(mkdir_p(root), 0);
	put(root, "a:b.txt", "x", 1);
	t = scan(root);
	CHECK(!fatimage_build(&d, WHERE, &t, 0, 0, &img));
	CHECK(has_line(buf_cstr(&d.text), "t.synth:9:13: error: fatimage: a:b.txt: FAT cannot hold this name"));
	diag_free(&d);

	/* Many names at the top: the fixed root of FAT12/16 is made larger. */
	root = arena_printf(&A, "%s/many", dir);
	CHECK_EQ_INT(mkdir_p(root), 0);
	for (int i = 0; i < 700; i++) {
		char name[64];
		snprintf(name, sizeof name, "a rather long file name number %03d.txt", i);
		put(root, name, name, strlen(name));
	}
	t = scan(root);
	CHECK(fatimage_build(&d, WHERE, &t, 0, 0, &img));
	if (d.errors)
		fputs(buf_cstr(&d.text), stderr);
	CHECK(mount_image(&img));
	check_file("a rather long file name number 699.txt", "a rather long file name number 699.txt", 38);
	fat_unmount(&VOL);
	free(img.data);
	diag_free(&d);
}

int main(void)
{
	char tmpl[] = "/tmp/synth-test-fatimage-XXXXXX";
	char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	test_types(dir);
	test_names(dir);
	char *cmd = arena_printf(&A, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(D.mem);
	arena_free(&A);
	return check_report();
}
