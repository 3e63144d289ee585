/* Power cuts: a block device that stops persisting after sector write N
 * (also in the middle of a multi-sector request), for every N through a
 * sequence of operations on FAT12, FAT16 and FAT32. After each cut the
 * volume must mount, every file the interrupted operation did not touch
 * must read back as the completed operations left it, and (when fsck.fat
 * is installed) fsck.fat -a must leave a volume that fsck.fat -n finds
 * clean, still with those files intact. */
#include <unistd.h>

#include "devices/ramblock.h"
#include "fat_model.h"

/* ---- the cutting block device ---- */
struct cut {
	struct block *lower;
	uint64_t writes, limit;
	int op;        /* operation running now */
	int cut_op;    /* operation during which the first write was lost, -1 none */
};

static int cut_info(void *s, struct block_info *out)
{
	*out = ((struct cut *)s)->lower->info;
	return 0;
}

static int cut_read(void *s, uint64_t lba, uint32_t n, void *buf)
{
	return block_read(((struct cut *)s)->lower, lba, n, buf);
}

static int cut_write(void *s, uint64_t lba, uint32_t n, const void *buf)
{
	struct cut *c = s;
	uint32_t ss = c->lower->info.sector_size;
	for (uint32_t i = 0; i < n; i++) { /* one sector at a time: a cut may tear a request */
		if (c->writes++ >= c->limit) {
			if (c->cut_op < 0)
				c->cut_op = c->op;
			continue;
		}
		int rc = block_write(c->lower, lba + i, 1, (const uint8_t *)buf + (size_t)i * ss);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int cut_flush(void *s)
{
	(void)s;
	return 0;
}

static const struct block_ops cut_ops = {
	.name = "cut", .version = BLOCK_OPS_V1, .info = cut_info, .read = cut_read, .write = cut_write,
	.flush = cut_flush,
};

/* ---- the operations ---- */
static struct fat_volume vol;
static uint8_t big[70000];

static void put(struct fat_volume *v, const char *path, const uint8_t *data, size_t n)
{
	struct fat_file f;
	if (fat_open(v, &f, path, FAT_O_WRITE | FAT_O_CREATE | FAT_O_TRUNC) < 0)
		return;
	for (size_t done = 0; done < n;) {
		size_t k = n - done < 3000 ? n - done : 3000;
		if (fat_write(&f, data + done, k) != (long)k)
			break;
		done += k;
	}
	fat_close(&f);
}

static void model_put(struct model *m, const char *path, const uint8_t *data, size_t n)
{
	struct mfile *f = model_find(m, path);
	if (f == NULL)
		f = model_add(m, path, false);
	free(f->data);
	f->data = malloc(n ? n : 1);
	memcpy(f->data, data, n);
	f->size = n;
}

static void model_rename(struct model *m, const char *from, const char *to)
{
	struct mfile *t = model_find(m, to), *s = model_find(m, from);
	if (t != NULL && t != s)
		model_del(t);
	size_t fl = strlen(from);
	for (int i = 0; i < MODEL_MAX; i++) {
		struct mfile *e = &m->f[i];
		if (!e->used)
			continue;
		if (e == s) {
			model_join(e->path, sizeof(e->path), to, "", "");
		} else if (!strncasecmp(e->path, from, fl) && e->path[fl] == '/') {
			char t2[256];
			model_join(t2, sizeof(t2), to, "", e->path + fl);
			model_join(e->path, sizeof(e->path), t2, "", "");
		}
	}
}

#define NOPS 14
/* Paths each operation touches (its state after a cut is unknown). */
static const char *const touched[NOPS][4] = {
	{ "new file.bin" },
	{ "keep1.dat" },
	{ "keep2.dat" },
	{ "keep3.txt", "A/renamed keep3 with a long name.txt" },
	{ "keep4" },
	{ "NewDir" },
	{ "A", "NewDir/A2" },
	{ "NewDir/small 1.txt" },
	{ "NewDir/small 2.txt" },
	{ "NewDir/small 3.txt" },
	{ "Empty" },
	{ "new file.bin", "keep1.dat" },
	{ "keep5.bin" },
	{ NULL },
};

/* Run operation i on v (when non-NULL) and apply it to the model. */
static void op(int i, struct fat_volume *v, struct model *m)
{
	struct fat_file f;
	switch (i) {
	case 0:
		if (v) put(v, "new file.bin", big, 20000);
		model_put(m, "new file.bin", big, 20000);
		break;
	case 1:
		if (v && fat_open(v, &f, "keep1.dat", FAT_O_WRITE | FAT_O_APPEND) == 0) {
			fat_write(&f, big + 100, 5000);
			fat_close(&f);
		}
		{
			struct mfile *k = model_find(m, "keep1.dat");
			k->data = realloc(k->data, k->size + 5000);
			memcpy(k->data + k->size, big + 100, 5000);
			k->size += 5000;
		}
		break;
	case 2:
		if (v && fat_open(v, &f, "keep2.dat", FAT_O_WRITE) == 0) {
			fat_truncate(&f, 100);
			fat_close(&f);
		}
		model_find(m, "keep2.dat")->size = 100;
		break;
	case 3:
		if (v) fat_rename(v, "keep3.txt", "A/renamed keep3 with a long name.txt");
		model_rename(m, "keep3.txt", "A/renamed keep3 with a long name.txt");
		break;
	case 4:
		if (v) fat_unlink(v, "keep4");
		model_del(model_find(m, "keep4"));
		break;
	case 5:
		if (v) fat_mkdir(v, "NewDir");
		model_add(m, "NewDir", true);
		break;
	case 6:
		if (v) fat_rename(v, "A", "NewDir/A2");
		model_rename(m, "A", "NewDir/A2");
		break;
	case 7:
	case 8:
	case 9: {
		char p[64];
		snprintf(p, sizeof(p), "NewDir/small %d.txt", i - 6);
		if (v) put(v, p, big + i, 700);
		model_put(m, p, big + i, 700);
		break;
	}
	case 10:
		if (v) fat_rmdir(v, "Empty");
		model_del(model_find(m, "Empty"));
		break;
	case 11:
		if (v) fat_rename(v, "new file.bin", "keep1.dat");
		model_rename(m, "new file.bin", "keep1.dat");
		break;
	case 12:
		if (v) put(v, "keep5.bin", big + 7, 50000);
		model_put(m, "keep5.bin", big + 7, 50000);
		break;
	case 13:
		if (v) fat_sync(v);
		break;
	}
}

static void base_tree(struct fat_volume *v, struct model *m)
{
	put(v, "keep1.dat", big, 9000);
	model_put(m, "keep1.dat", big, 9000);
	put(v, "keep2.dat", big + 1, 12000);
	model_put(m, "keep2.dat", big + 1, 12000);
	put(v, "keep3.txt", big + 2, 10);
	model_put(m, "keep3.txt", big + 2, 10);
	put(v, "keep4", big + 3, 4000);
	model_put(m, "keep4", big + 3, 4000);
	put(v, "keep5.bin", big + 4, 30000);
	model_put(m, "keep5.bin", big + 4, 30000);
	fat_mkdir(v, "A");
	model_add(m, "A", true);
	put(v, "A/inside A.txt", big + 5, 3000);
	model_put(m, "A/inside A.txt", big + 5, 3000);
	fat_mkdir(v, "Empty");
	model_add(m, "Empty", true);
	fat_mkdir(v, "Untouched Folder");
	model_add(m, "Untouched Folder", true);
	put(v, "Untouched Folder/never touched.bin", big + 6, 33333);
	model_put(m, "Untouched Folder/never touched.bin", big + 6, 33333);
}

static const char *fsck_path(void)
{
	if (access("/usr/sbin/fsck.fat", X_OK) == 0)
		return "/usr/sbin/fsck.fat";
	if (access("/sbin/fsck.fat", X_OK) == 0)
		return "/sbin/fsck.fat";
	return NULL;
}

/* fsck.fat -a until fsck.fat -n is clean; the repaired bytes replace disk. */
static bool fsck_repair(uint8_t *disk, size_t bytes, const char *fsck)
{
	char path[] = "/tmp/synth-fat-cut-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	bool ok = pwrite(fd, disk, bytes, 0) == (ssize_t)bytes;
	char cmd[256];
	/* fsck.fat settles two entries for one folder (an interrupted move)
	 * in two passes: the first truncates the second entry, the next
	 * deletes it. More than three passes would be a real problem. */
	int passes = 0;
	for (;;) {
		snprintf(cmd, sizeof(cmd), "%s -n %s >/dev/null 2>&1", fsck, path);
		if (system(cmd) == 0)
			break;
		if (++passes > 3) {
			snprintf(cmd, sizeof(cmd), "%s -n %s >&2", fsck, path);
			if (system(cmd) != 0)
				ok = false;
			break;
		}
		snprintf(cmd, sizeof(cmd), "%s -a %s >/dev/null 2>&1", fsck, path);
		if (system(cmd) > 1 << 8) /* 0 clean, 1 repaired */
			ok = false;
	}
	ok = ok && pread(fd, disk, bytes, 0) == (ssize_t)bytes;
	close(fd);
	unlink(path);
	return ok;
}

static void run(enum fat_type type, uint64_t bytes, uint32_t spc)
{
	uint8_t *disk = calloc(1, bytes), *base = malloc(bytes);
	struct block lower, cdev;
	struct ramblock rb;
	struct ramblock_config cfg = { .mem = disk, .size = bytes };
	CHECK_EQ_INT(ramblock_connect(&lower, &rb, &cfg), 0);
	struct fat_format_opts o = { .type = type, .sectors_per_cluster = spc };
	CHECK_EQ_INT(fat_format(&lower, &o), 0);
	struct model m0;
	memset(&m0, 0, sizeof(m0));
	CHECK_EQ_INT(fat_mount(&vol, &lower, 0), 0);
	base_tree(&vol, &m0);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	memcpy(base, disk, bytes);

	const char *fsck = fsck_path();
	struct cut c = { .lower = &lower };
	memset(&cdev, 0, sizeof(cdev));
	cdev.ops = &cut_ops;
	cdev.state = &c;
	CHECK_EQ_INT(block_connected(&cdev), 0);
	/* A first run with no cut counts the writes. */
	uint64_t total = 0;
	int runs = 0;
	c.limit = UINT64_MAX;
	for (uint64_t n = UINT64_MAX;; n = n == UINT64_MAX ? 0 : n + 1) {
		if (n != UINT64_MAX && n >= total)
			break;
		memcpy(disk, base, bytes);
		c.writes = 0;
		c.limit = n;
		c.cut_op = -1;
		c.op = -1;
		if (fat_mount(&vol, &cdev, 0) != 0) {
			CHECK(0);
			break;
		}
		struct model scratch; /* op() updates a model as it goes */
		model_copy(&scratch, &m0);
		for (int i = 0; i < NOPS; i++) {
			c.op = i;
			op(i, &vol, &scratch);
		}
		model_free(&scratch);
		if (n == UINT64_MAX) {
			total = c.writes;
			CHECK(c.cut_op < 0);
		}
		/* The power is gone: forget the volume without unmounting. */
		vol.open_files = NULL;
		vol.mounted = false;

		struct model m;
		model_copy(&m, &m0);
		int k = c.cut_op < 0 ? NOPS : c.cut_op;
		for (int i = 0; i < k; i++)
			op(i, NULL, &m);
		const char *const *skip = k < NOPS ? touched[k] : NULL;
		int rc = fat_mount(&vol, &lower, FAT_MOUNT_RDONLY);
		CHECK_EQ_INT(rc, 0);
		if (rc == 0) {
			int bad = volume_check(&vol, &m, skip);
			if (bad)
				fprintf(stderr, "FAT%d: cut after write %llu (in op %d): %d differences\n", type,
					(unsigned long long)n, k, bad);
			CHECK_EQ_INT(bad, 0);
			fat_unmount(&vol);
		}
		/* fsck.fat on every third cut keeps the test within seconds; the
		 * offset differs by type so the three together cover each N. */
		if (fsck != NULL && c.cut_op >= 0 && (n + (uint64_t)type / 4) % 3 == 0) {
			const char *dump = getenv("FAT_CUT_DUMP"); /* "TYPE:N": keep that image */
			char want[40];
			snprintf(want, sizeof(want), "%d:%llu", type, (unsigned long long)n);
			if (dump != NULL && !strcmp(dump, want)) {
				FILE *df = fopen("/tmp/fat-cut.img", "wb");
				if (df) {
					fwrite(disk, 1, bytes, df);
					fclose(df);
				}
			}
			bool ok = fsck_repair(disk, bytes, fsck);
			if (!ok)
				fprintf(stderr, "FAT%d: fsck after cut at %llu (op %d) not clean\n", type,
					(unsigned long long)n, k);
			CHECK(ok);
			/* fsck.fat salvages lost chains as FSCK*.REC in the root. */
			const char *skip2[8] = { 0 };
			int s = 0;
			for (int j = 0; skip && skip[j]; j++)
				skip2[s++] = skip[j];
			static const char *const rec[] = { "FSCK0000.REC", "FSCK0001.REC", "FSCK0002.REC" };
			for (int j = 0; j < 3; j++)
				skip2[s++] = rec[j];
			CHECK_EQ_INT(fat_mount(&vol, &lower, FAT_MOUNT_RDONLY), 0);
			int bad = volume_check(&vol, &m, skip2);
			if (bad)
				fprintf(stderr, "FAT%d: after fsck, cut at %llu (op %d): %d differences\n", type,
					(unsigned long long)n, k, bad);
			CHECK_EQ_INT(bad, 0);
			fat_unmount(&vol);
		}
		model_free(&m);
		runs++;
	}
	fprintf(stderr, "FAT%d: %d power cuts checked%s\n", type, runs, fsck ? " (with fsck.fat)" : "");
	CHECK(runs > 20);
	model_free(&m0);
	free(disk);
	free(base);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + (i >> 8));
	run(FAT_TYPE_12, 1u << 20, 1);
	run(FAT_TYPE_16, 3u << 20, 1);
	run(FAT_TYPE_32, 3u << 20, 1);
	return check_report();
}
