/* Seeded random operation sequences on FAT12, FAT16 and FAT32 volumes,
 * checked step by step against an in-memory model of the tree (return
 * codes, contents, listings), across remounts, and at the end by
 * fsck.fat -n when it is installed. A failing seed is printed so the run
 * can be replayed (FAT_MODEL_SEED=N). */
#include <stdlib.h>
#include <unistd.h>

#include "devices/ramblock.h"
#include "fat_model.h"

static struct block dev;
static struct ramblock rb;
static struct fat_volume vol;
static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

/* A clock that moves on its own counter, so that how often the library
 * reads it does not change the operations a seed produces. */
static int64_t clk(void *arg)
{
	static int64_t ticks;
	(void)arg;
	return 1600000000LL * 1000000000LL + (ticks++ % 100000) * 1000000000LL;
}

static const char *const dir_names[] = { "d1", "Dir Two", "ΔΙΡ", "sub.dir" };
static const char *const file_names[] = {
	"a.txt", "B.TXT", "readme", "long file name %u.data", "ünïcödé %u", "x%u", "MiXeD%u.Txt",
	"name.with.dots.%u.gz", "UPPER%u.BIN",
};

static void random_dir(char *out, size_t cap)
{
	switch (rnd(3)) {
	case 0:
		out[0] = 0;
		break;
	case 1:
		snprintf(out, cap, "%s", dir_names[rnd(4)]);
		break;
	default:
		snprintf(out, cap, "%s/%s", dir_names[rnd(4)], dir_names[rnd(4)]);
	}
}

static void random_path(char *out, size_t cap, bool dir)
{
	char d[100], n[60];
	random_dir(d, sizeof(d));
	if (dir)
		snprintf(n, sizeof(n), "%s", dir_names[rnd(4)]);
	else
		snprintf(n, sizeof(n), file_names[rnd(9)], rnd(6));
	if (rnd(4) == 0) /* another case of the same name */
		for (char *p = n; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
	snprintf(out, cap, "%s%s%s", d, d[0] ? "/" : "", n);
}

/* A file of the model picked at random, or NULL. */
static struct mfile *random_entry(struct model *m, bool dir)
{
	int idx[MODEL_MAX], k = 0;
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->f[i].used && m->f[i].dir == dir)
			idx[k++] = i;
	return k ? &m->f[idx[rnd((uint32_t)k)]] : NULL;
}

static bool has_children(struct model *m, const char *dir)
{
	size_t n = strlen(dir);
	for (int i = 0; i < MODEL_MAX; i++)
		if (m->f[i].used && !strncasecmp(m->f[i].path, dir, n) && m->f[i].path[n] == '/')
			return true;
	return false;
}

static int count_used(struct model *m)
{
	int k = 0;
	for (int i = 0; i < MODEL_MAX; i++)
		k += m->f[i].used;
	return k;
}

static unsigned failures_before;

static void step(struct model *m, unsigned seed, int i)
{
	char p[256], q[256];
	uint8_t buf[50000];
	int rc, want;
	struct fat_file f;
	switch (rnd(10)) {
	case 0:
	case 1: { /* create or replace a file */
		random_path(p, sizeof(p), false);
		struct mfile *mf = model_find(m, p);
		want = !model_parent_ok(m, p) ? -ENOENT : mf && mf->dir ? -EISDIR : 0;
		if (want == 0 && !mf && count_used(m) >= MODEL_MAX - 1)
			return;
		rc = fat_open(&vol, &f, p, FAT_O_WRITE | FAT_O_CREATE | FAT_O_TRUNC);
		CHECK_EQ_INT(rc, want);
		if (rc < 0)
			return;
		size_t n = rnd(4) == 0 ? 0 : rnd(sizeof(buf));
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd(256);
		for (size_t done = 0; done < n;) {
			size_t c = 1 + rnd((uint32_t)(n - done));
			CHECK_EQ_INT(fat_write(&f, buf + done, c), (long)c);
			done += c;
		}
		CHECK_EQ_INT(fat_close(&f), 0);
		if (!mf)
			mf = model_add(m, p, false);
		free(mf->data);
		mf->data = n ? malloc(n) : NULL;
		if (n)
			memcpy(mf->data, buf, n);
		mf->size = n;
		break;
	}
	case 2: { /* write somewhere in (or past) an existing file */
		struct mfile *mf = random_entry(m, false);
		if (!mf)
			return;
		size_t off = rnd((uint32_t)mf->size + 3000), n = 1 + rnd(12000);
		CHECK_EQ_INT(fat_open(&vol, &f, mf->path, FAT_O_READ | FAT_O_WRITE), 0);
		for (size_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd(256);
		CHECK_EQ_INT(fat_seek(&f, (int64_t)off, FAT_SEEK_SET), (int64_t)off);
		CHECK_EQ_INT(fat_write(&f, buf, n), (long)n);
		CHECK_EQ_INT(fat_close(&f), 0);
		if (off + n > mf->size) {
			mf->data = realloc(mf->data, off + n);
			if (off > mf->size)
				memset(mf->data + mf->size, 0, off - mf->size);
			mf->size = off + n;
		}
		memcpy(mf->data + off, buf, n);
		break;
	}
	case 3: { /* truncate */
		struct mfile *mf = random_entry(m, false);
		if (!mf)
			return;
		size_t n = rnd((uint32_t)mf->size * 2 + 100);
		CHECK_EQ_INT(fat_open(&vol, &f, mf->path, FAT_O_WRITE), 0);
		CHECK_EQ_INT(fat_truncate(&f, n), 0);
		CHECK_EQ_INT(fat_close(&f), 0);
		mf->data = realloc(mf->data, n ? n : 1);
		if (n > mf->size)
			memset(mf->data + mf->size, 0, n - mf->size);
		mf->size = n;
		break;
	}
	case 4: { /* unlink, sometimes a missing name */
		random_path(p, sizeof(p), false);
		struct mfile *mf = rnd(2) ? random_entry(m, false) : model_find(m, p);
		if (mf)
			snprintf(p, sizeof(p), "%.255s", mf->path);
		want = !mf ? (model_parent_ok(m, p) ? -ENOENT : -ENOENT) : mf->dir ? -EISDIR : 0;
		rc = fat_unlink(&vol, p);
		if (!mf && rc == -ENOTDIR)
			rc = -ENOENT; /* a file on the way: either answer is right */
		CHECK_EQ_INT(rc, want);
		if (rc == 0)
			model_del(mf);
		break;
	}
	case 5: { /* mkdir */
		random_path(p, sizeof(p), true);
		struct mfile *mf = model_find(m, p);
		if (!model_parent_ok(m, p))
			return; /* -ENOENT or -ENOTDIR: tested in test_fat_basic */
		if (!mf && count_used(m) >= MODEL_MAX - 1)
			return;
		CHECK_EQ_INT(fat_mkdir(&vol, p), mf ? -EEXIST : 0);
		if (!mf)
			model_add(m, p, true);
		break;
	}
	case 6: { /* rmdir */
		struct mfile *mf = random_entry(m, true);
		if (!mf)
			return;
		want = has_children(m, mf->path) ? -ENOTEMPTY : 0;
		CHECK_EQ_INT(fat_rmdir(&vol, mf->path), want);
		if (want == 0)
			model_del(mf);
		break;
	}
	case 7:
	case 8: { /* rename a file or a folder */
		struct mfile *mf = random_entry(m, rnd(4) == 0);
		if (!mf)
			return;
		random_path(q, sizeof(q), mf->dir);
		if (!model_parent_ok(m, q))
			return;
		size_t fl = strlen(mf->path);
		struct mfile *to = model_find(m, q);
		if (mf->dir && !strncasecmp(q, mf->path, fl) && (q[fl] == '/'))
			want = -EINVAL;
		else if (to == mf)
			want = 0;
		else if (to && to->dir && !mf->dir)
			want = -EISDIR;
		else if (to && !to->dir && mf->dir)
			want = -ENOTDIR;
		else if (to && to->dir && has_children(m, to->path))
			want = -ENOTEMPTY;
		else
			want = 0;
		snprintf(p, sizeof(p), "%.255s", mf->path);
		rc = fat_rename(&vol, p, q);
		CHECK_EQ_INT(rc, want);
		if (rc != 0)
			return;
		if (to && to != mf)
			model_del(to);
		char cq[520];
		model_canon(m, q, cq, sizeof(cq));
		snprintf(q, sizeof(q), "%.255s", cq);
		/* Move the entry and, for a folder, everything below it. */
		for (int k = 0; k < MODEL_MAX; k++) {
			struct mfile *e = &m->f[k];
			if (!e->used)
				continue;
			if (e == mf) {
				snprintf(e->path, sizeof(e->path), "%.255s", q);
			} else if (mf->dir && !strncasecmp(e->path, p, fl) && e->path[fl] == '/') {
				char t[520];
				snprintf(t, sizeof(t), "%s%s", q, e->path + fl);
				snprintf(e->path, sizeof(e->path), "%.255s", t);
			}
		}
		break;
	}
	default: { /* read a random range */
		struct mfile *mf = random_entry(m, false);
		if (!mf)
			return;
		size_t off = rnd((uint32_t)mf->size + 10), n = rnd(sizeof(buf));
		CHECK_EQ_INT(fat_open(&vol, &f, mf->path, FAT_O_READ), 0);
		long want_n = off >= mf->size ? 0 : (long)(mf->size - off < n ? mf->size - off : n);
		CHECK_EQ_INT(fat_pread(&f, buf, n, off), want_n);
		if (want_n > 0)
			CHECK_EQ_MEM(buf, mf->data + off, (size_t)want_n);
		fat_close(&f);
	}
	}
	if (check_failed != failures_before) {
		fprintf(stderr, "seed %u step %d\n", seed, i);
		failures_before = (unsigned)check_failed;
	}
}

static bool fsck_clean(const uint8_t *disk, size_t bytes)
{
	const char *fsck = access("/usr/sbin/fsck.fat", X_OK) == 0 ? "/usr/sbin/fsck.fat"
			 : access("/sbin/fsck.fat", X_OK) == 0 ? "/sbin/fsck.fat" : NULL;
	if (fsck == NULL)
		return true; /* not installed: the integration tests cover it */
	char path[] = "/tmp/synth-fat-model-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	bool ok = write(fd, disk, bytes) == (ssize_t)bytes;
	close(fd);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "%s -n %s >/dev/null 2>&1", fsck, path);
	ok = ok && system(cmd) == 0;
	if (!ok) {
		snprintf(cmd, sizeof(cmd), "%s -n %s >&2", fsck, path);
		if (system(cmd)) {
		}
	}
	unlink(path);
	return ok;
}

static void run(unsigned seed, enum fat_type type, uint64_t bytes, uint32_t spc, int steps)
{
	uint8_t *disk = calloc(1, bytes);
	struct ramblock_config cfg = { .mem = disk, .size = bytes };
	CHECK_EQ_INT(ramblock_connect(&dev, &rb, &cfg), 0);
	struct fat_format_opts o = { .type = type, .sectors_per_cluster = spc };
	CHECK_EQ_INT(fat_format(&dev, &o), 0);
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	CHECK_EQ_INT(vi.type, type);
	fat_set_clock(&vol, clk, NULL);
	struct model m;
	memset(&m, 0, sizeof(m));
	rng = seed * 0x9E3779B97F4A7C15ull + 1;
	for (int i = 0; i < steps; i++) {
		step(&m, seed, i);
		if (i % 60 == 59) {
			CHECK_EQ_INT(fat_unmount(&vol), 0);
			CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
			fat_set_clock(&vol, clk, NULL);
			CHECK_EQ_INT(volume_check(&vol, &m, NULL), 0);
		}
	}
	/* The free count kept along the way equals a recount. */
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	uint32_t tracked = vi.free_clusters;
	vol.free_count = UINT32_MAX;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	CHECK_EQ_INT(tracked, vi.free_clusters);
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	CHECK(fsck_clean(disk, bytes));
	model_free(&m);
	free(disk);
}

int main(void)
{
	const char *env = getenv("FAT_MODEL_SEED");
	unsigned first = env ? (unsigned)atoi(env) : 1, last = env ? first : 3;
	for (unsigned seed = first; seed <= last; seed++) {
		run(seed, FAT_TYPE_12, 2u << 20, 0, 300);
		run(seed, FAT_TYPE_16, 4u << 20, 1, 300);
		run(seed, FAT_TYPE_32, 4u << 20, 1, 300);
	}
	return check_report();
}
