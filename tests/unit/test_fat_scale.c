/* Scale test of the FAT library (protocols/fat) on large FAT32 volumes
 * made by fat_format (32 GiB with 16 KiB clusters, and 8 GiB with 4 KiB
 * clusters, where an 8 MiB write spans more FAT sectors than the cache
 * holds), each on a sparse block device that stores only the
 * sectors that are not all zeros and counts every request by region
 * (reserved sectors, FAT, data). It checks what docs/storage.md and issue
 * 4 promise for large volumes: mounting reads a couple of sectors, never
 * the FAT; writing and reading a large file reads each FAT sector about
 * once and moves data in one request per buffer (and per growth step);
 * allocation after fragmentation and after the next-free hint wraps
 * around the volume costs at most one pass over the FAT, never one per
 * allocation; the only full FAT scan is counting free clusters when the
 * count is unknown; no FAT entry reaches the disk before the data of the
 * cluster it takes (write-ordering rule 1); struct fat_volume stays
 * within its documented size whatever the volume's size, and the library
 * allocates no memory. Everything is then read back, and the free count
 * is checked against a count made from the raw FAT. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "devices/block.h"
#include "protocols/fat/fat.h"

#define SECTOR 512u
#define POOL_SECTORS (1u << 16)   /* distinct non-zero sectors the disk can hold */
#define HASH_BITS 18
#define BIG_CLUSTERS 20000u       /* the large file, in clusters */
#define BUF_BYTES (8u << 20)      /* per fat_write/fat_read, as fattool does */
#define SMALL_FILES 2000u         /* created, then every other one deleted */
#define SMALL_BYTES 1000u
#define WRAP_FILES 1500u          /* created after the hint wrapped around */

/* ---- a sparse, counting block device ---------------------------------- */

enum region { R_RESERVED, R_FAT, R_DATA, R_COUNT };

struct io_count {
	unsigned long reqs, sectors;
};

struct sparse {
	uint64_t sectors;
	uint64_t *keys;           /* lba + 1; 0 marks an empty hash slot */
	uint32_t *slot;           /* index into pool */
	uint8_t *pool;
	uint32_t used;
	bool full;                /* the pool ran out: the test is wrong, not the library */
	/* Geometry from the boot sector, for the per-region counts. */
	uint64_t fat_start, data_start;
	struct io_count rd[R_COUNT], wr[R_COUNT];
	unsigned long flushes, crossing;
	/* Write order (rule 1 of protocols/fat/cache.c): a cluster's bit is
	 * set by a data write to it and cleared when the FAT on the disk
	 * frees it; a FAT write that takes a cluster whose bit is clear has
	 * put a link on the disk before the data it links. */
	uint8_t *written;
	unsigned long early_links;
};

static struct sparse sd;
static const uint8_t zero_sector[SECTOR];

static uint32_t *lookup(struct sparse *s, uint64_t lba, bool insert)
{
	uint64_t mask = (1ull << HASH_BITS) - 1;
	for (uint64_t h = (lba * 0x9E3779B97F4A7C15ull) >> (64 - HASH_BITS);; h = (h + 1) & mask) {
		if (s->keys[h] == lba + 1)
			return &s->slot[h];
		if (s->keys[h] == 0) {
			if (!insert || s->used == POOL_SECTORS) {
				s->full |= insert;
				return NULL;
			}
			s->keys[h] = lba + 1;
			s->slot[h] = s->used++;
			return &s->slot[h];
		}
	}
}

static enum region region_of(const struct sparse *s, uint64_t lba)
{
	return lba < s->fat_start ? R_RESERVED : lba < s->data_start ? R_FAT : R_DATA;
}

#define WRITTEN_BITS (1u << 22)   /* clusters the order check can follow */

static bool geometry_known(const struct sparse *s)
{
	return s->data_start > s->fat_start;
}

static void count(struct sparse *s, struct io_count *c, uint64_t lba, uint32_t n)
{
	enum region r = region_of(s, lba);
	if (n > 0 && region_of(s, lba + n - 1) != r)
		s->crossing++;
	c[r].reqs++;
	c[r].sectors += n;
}

static int sp_info(void *state, struct block_info *out)
{
	struct sparse *s = state;
	out->sector_size = SECTOR;
	out->sectors = s->sectors;
	out->read_only = false;
	return 0;
}

static int sp_read(void *state, uint64_t lba, uint32_t n, void *buf)
{
	struct sparse *s = state;
	count(s, s->rd, lba, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t *k = lookup(s, lba + i, false);
		uint8_t *dst = (uint8_t *)buf + (size_t)i * SECTOR;
		if (k != NULL)
			memcpy(dst, s->pool + (size_t)*k * SECTOR, SECTOR);
		else
			memset(dst, 0, SECTOR);
	}
	return 0;
}

static uint32_t get32le(const uint8_t *p);
static void order_check(struct sparse *s, uint64_t lba, uint32_t n, const uint8_t *buf);

static int sp_write(void *state, uint64_t lba, uint32_t n, const void *buf)
{
	struct sparse *s = state;
	count(s, s->wr, lba, n);
	order_check(s, lba, n, buf);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *src = (const uint8_t *)buf + (size_t)i * SECTOR;
		bool zero = memcmp(src, zero_sector, SECTOR) == 0;
		uint32_t *k = lookup(s, lba + i, !zero);
		if (k == NULL && !zero)
			return -EIO;
		if (k != NULL) /* a stored sector overwritten with zeros stays stored, zeroed */
			memcpy(s->pool + (size_t)*k * SECTOR, src, SECTOR);
	}
	return 0;
}

static int sp_flush(void *state)
{
	((struct sparse *)state)->flushes++;
	return 0;
}

static const struct block_ops sparse_ops = {
	.name = "sparse",
	.version = BLOCK_OPS_V1,
	.info = sp_info,
	.read = sp_read,
	.write = sp_write,
	.flush = sp_flush,
};

static void reset_counts(void)
{
	memset(sd.rd, 0, sizeof(sd.rd));
	memset(sd.wr, 0, sizeof(sd.wr));
	sd.flushes = sd.crossing = sd.early_links = 0;
}

/* Raw access for the test's own checks (not counted). */
static const uint8_t *raw_sector(uint64_t lba)
{
	uint32_t *k = lookup(&sd, lba, false);
	return k != NULL ? sd.pool + (size_t)*k * SECTOR : zero_sector;
}

static void raw_write(uint64_t lba, const uint8_t *buf)
{
	struct io_count rd[R_COUNT], wr[R_COUNT];
	memcpy(rd, sd.rd, sizeof(rd));
	memcpy(wr, sd.wr, sizeof(wr));
	sp_write(&sd, lba, 1, buf);
	memcpy(sd.rd, rd, sizeof(rd));
	memcpy(sd.wr, wr, sizeof(wr));
}

static uint32_t get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32le(uint8_t *p, uint32_t x)
{
	p[0] = (uint8_t)x, p[1] = (uint8_t)(x >> 8), p[2] = (uint8_t)(x >> 16), p[3] = (uint8_t)(x >> 24);
}

/* The layout as the boot sector states it (FAT32 only here). */
static struct {
	uint32_t reserved, fat_sectors, num_fats, spc, clusters, fsinfo;
} geo;

static void read_geometry(void)
{
	const uint8_t *b = raw_sector(0);
	geo.spc = b[13];
	geo.reserved = (uint32_t)(b[14] | b[15] << 8);
	geo.num_fats = b[16];
	geo.fat_sectors = get32le(b + 36);
	geo.fsinfo = (uint32_t)(b[48] | b[49] << 8);
	uint32_t total = get32le(b + 32);
	uint32_t data = geo.reserved + geo.num_fats * geo.fat_sectors;
	geo.clusters = geo.spc ? (total - data) / geo.spc : 0;
	sd.fat_start = geo.reserved;
	sd.data_start = data;
}

/* Called before a write is stored: compares each FAT entry it changes
 * with the one on the disk (FAT32 entries, 4 bytes). */
static void order_check(struct sparse *s, uint64_t lba, uint32_t n, const uint8_t *buf)
{
	if (!geometry_known(s))
		return; /* fat_format, before the layout is read */
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = lba + i;
		const uint8_t *src = buf + (size_t)i * SECTOR;
		if (region_of(s, at) == R_DATA) {
			uint64_t c = (at - s->data_start) / geo.spc + 2;
			if (c < WRITTEN_BITS)
				s->written[c / 8] |= (uint8_t)(1u << (c % 8));
			continue;
		}
		if (region_of(s, at) != R_FAT)
			continue;
		const uint8_t *old = raw_sector(at);
		uint64_t first = (at - s->fat_start) % geo.fat_sectors * (SECTOR / 4);
		for (uint32_t j = 0; j < SECTOR / 4; j++) {
			uint64_t c = first + j;
			if (c < 2 || c >= WRITTEN_BITS)
				continue;
			bool was = (get32le(old + j * 4) & 0x0FFFFFFF) != 0;
			bool is = (get32le(src + j * 4) & 0x0FFFFFFF) != 0;
			uint8_t bit = (uint8_t)(1u << (c % 8));
			if (!was && is && !(s->written[c / 8] & bit))
				s->early_links++;
			else if (was && !is)
				s->written[c / 8] &= (uint8_t)~bit;
		}
	}
}

/* A FAT entry straight from the first copy on the disk. */
static uint32_t raw_fat(uint32_t c)
{
	uint64_t off = (uint64_t)c * 4;
	const uint8_t *p = raw_sector(geo.reserved + off / SECTOR);
	return get32le(p + off % SECTOR) & 0x0FFFFFFF;
}

/* Clusters in the chain starting at c, from the raw FAT. */
static uint32_t raw_chain_length(uint32_t c)
{
	uint32_t n = 0;
	while (c >= 2 && c < geo.clusters + 2 && n <= geo.clusters) {
		n++;
		c = raw_fat(c);
	}
	return n;
}

/* Free clusters counted from the raw FAT, and the copies compared. */
static uint32_t raw_free_count(void)
{
	uint32_t n = 0;
	for (uint32_t c = 2; c < geo.clusters + 2;) {
		const uint8_t *p = raw_sector(geo.reserved + (uint64_t)c * 4 / SECTOR);
		for (uint32_t i = c % (SECTOR / 4); i < SECTOR / 4 && c < geo.clusters + 2; i++, c++)
			n += (get32le(p + i * 4) & 0x0FFFFFFF) == 0;
	}
	for (uint32_t s = 0; s < geo.fat_sectors; s++)
		for (uint32_t k = 1; k < geo.num_fats; k++)
			if (memcmp(raw_sector(geo.reserved + s), raw_sector(geo.reserved + k * geo.fat_sectors + s), SECTOR)) {
				CHECK(!"FAT copies differ");
				k = geo.num_fats, s = geo.fat_sectors;
			}
	return n;
}

/* ---- heap use --------------------------------------------------------- */

/* Under ASan every allocation is seen through the allocator's hooks;
 * plainly built, glibc's count of bytes in use must not move (which sees
 * memory kept, not a block allocated and freed within the run). The
 * device above allocates nothing after set-up, so a change is the
 * library's. */
#if defined(__SANITIZE_ADDRESS__)
#define SCALE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE_ASAN 1
#endif
#endif

#ifdef SCALE_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));
static volatile unsigned long heap_calls;
static void on_malloc(const volatile void *p, size_t n)
{
	(void)p, (void)n;
	heap_calls++;
}
static void on_free(const volatile void *p)
{
	(void)p;
}
static void heap_watch_init(void)
{
	CHECK(__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0);
	unsigned long before = heap_calls;
	void *volatile p = malloc(64); /* the watch must see an allocation */
	free(p);
	CHECK(heap_calls > before);
}
static unsigned long heap_mark(void)
{
	return heap_calls;
}
#else
static unsigned long heap_mark(void)
{
	struct mallinfo2 mi = mallinfo2();
	return (unsigned long)(mi.uordblks + mi.hblkhd);
}
static void heap_watch_init(void)
{
	unsigned long before = heap_mark();
	void *volatile p = malloc(64); /* the watch must see an allocation */
	CHECK(heap_mark() > before);
	free(p);
}
#endif

/* ---- the library, driven -------------------------------------------------- */

static struct block dev;
static struct fat_volume vol;
static uint8_t *buf;
static uint32_t cluster_bytes;

static int64_t fixed_clock(void *arg)
{
	(void)arg;
	return 1700000000LL * 1000000000LL;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void mount(void)
{
	CHECK_EQ_INT(fat_mount(&vol, &dev, 0), 0);
	fat_set_clock(&vol, fixed_clock, NULL);
}

static uint32_t free_clusters(void)
{
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	return vi.free_clusters;
}

/* The library's count, its recount from scratch, and the raw FAT's agree. */
static uint32_t check_free_exact(void)
{
	uint32_t tracked = free_clusters();
	vol.free_count = UINT32_MAX;
	uint32_t counted = free_clusters();
	CHECK_EQ_UINT(tracked, counted);
	CHECK_EQ_INT(fat_sync(&vol), 0);
	CHECK_EQ_UINT(raw_free_count(), counted);
	return counted;
}

/* The big file holds zeros except for a tag at the start of each cluster,
 * so it costs the disk one stored sector per cluster and a misplaced or
 * reordered cluster shows. */
static uint64_t tag_of(uint32_t i)
{
	return 0x5CA1E00000000000ull | i;
}

static void fill_small(uint8_t *p, unsigned seed)
{
	for (unsigned i = 0; i < SMALL_BYTES; i++)
		p[i] = (uint8_t)(i * 7 + seed * 13 + (seed >> 8));
}

static void write_small(const char *path, unsigned seed)
{
	struct fat_file f;
	uint8_t data[SMALL_BYTES];
	fill_small(data, seed);
	CHECK_EQ_INT(fat_open(&vol, &f, path, FAT_O_WRITE | FAT_O_CREATE | FAT_O_EXCL), 0);
	CHECK_EQ_INT(fat_write(&f, data, sizeof(data)), (long)sizeof(data));
	CHECK_EQ_INT(fat_close(&f), 0);
}

static void check_small(const char *path, unsigned seed)
{
	struct fat_file f;
	uint8_t want[SMALL_BYTES], got[SMALL_BYTES + 8];
	fill_small(want, seed);
	int rc = fat_open(&vol, &f, path, FAT_O_READ);
	CHECK_EQ_INT(rc, 0);
	if (rc < 0)
		return;
	CHECK_EQ_INT(fat_read(&f, got, sizeof(got)), (long)SMALL_BYTES);
	CHECK(memcmp(got, want, SMALL_BYTES) == 0);
	CHECK_EQ_INT(fat_close(&f), 0);
}

static void phase(const char *name, double t0)
{
	printf("  %-34s rd res %3lu/%-3lu fat %5lu/%-5lu data %6lu/%-8lu  wr res %3lu fat %5lu/%-5lu data %6lu/%-8lu  %.3f s\n",
	       name, sd.rd[R_RESERVED].reqs, sd.rd[R_RESERVED].sectors, sd.rd[R_FAT].reqs,
	       sd.rd[R_FAT].sectors, sd.rd[R_DATA].reqs, sd.rd[R_DATA].sectors,
	       sd.wr[R_RESERVED].reqs, sd.wr[R_FAT].reqs, sd.wr[R_FAT].sectors, sd.wr[R_DATA].reqs,
	       sd.wr[R_DATA].sectors, now_s() - t0);
	CHECK_EQ_INT(sd.crossing, 0);
	CHECK_EQ_INT(sd.early_links, 0); /* no FAT entry on the disk before its data */
	CHECK(!sd.full);
}

/* FAT sectors one pass over n consecutive entries touches. */
static unsigned long fat_span(uint32_t n)
{
	return (n + SECTOR / 4 - 1) / (SECTOR / 4);
}

/* 1. struct sizes against the documented numbers. */
static void test_sizes(void)
{
	/* docs/storage.md: 8 cached sectors (of up to 4 KiB) and a 32 KiB
	 * name filter, about 65 KiB whatever the volume's size. */
	CHECK_EQ_INT(FAT_CACHE_SECTORS, 8);
	CHECK_EQ_INT(FAT_MAX_SECTOR, 4096);
	CHECK_EQ_UINT(sizeof(vol.cache), 8u * 4096u);
	CHECK_EQ_UINT(sizeof(vol.hint.filter), 32u * 1024u);
	CHECK(sizeof(struct fat_volume) <= 65u * 1024u);
	CHECK(sizeof(struct fat_volume) - sizeof(vol.cache) - sizeof(vol.hint.filter) <= 1024u);
	/* Per open file and per listing: a few words, nothing sized by the
	 * file (the chain is walked through the FAT, never copied). */
	CHECK(sizeof(struct fat_file) <= 128u);
	CHECK(sizeof(struct fat_dir) <= 64u);
	printf("sizeof: fat_volume %zu, fat_file %zu, fat_dir %zu\n", sizeof(struct fat_volume),
	       sizeof(struct fat_file), sizeof(struct fat_dir));
}

/* 2. Mount reads the boot sector and FSInfo, nothing of the FAT; the
 * free count comes from FSInfo. */
static void test_mount(void)
{
	double t0 = now_s();
	reset_counts();
	mount();
	struct fat_volume_info vi;
	CHECK_EQ_INT(fat_volume_info(&vol, &vi), 0);
	phase("mount + volume_info", t0);
	CHECK_EQ_INT(vi.type, FAT_TYPE_32);
	CHECK_EQ_UINT(vi.clusters, geo.clusters);
	CHECK_EQ_UINT(vi.free_clusters, geo.clusters - 1);
	CHECK_EQ_UINT(vi.cluster_size, geo.spc * SECTOR);
	CHECK(vi.clusters > 1000000u); /* large: a whole-FAT load would be MiBs */
	CHECK(sd.rd[R_RESERVED].sectors <= 2);
	CHECK_EQ_INT(sd.rd[R_FAT].reqs + sd.rd[R_DATA].reqs, 0);
	CHECK_EQ_INT(sd.wr[R_RESERVED].reqs + sd.wr[R_FAT].reqs + sd.wr[R_DATA].reqs, 0);
	cluster_bytes = vi.cluster_size;
}

/* 3. One large file written and read sequentially in 8 MiB pieces. */
static void test_big_file(void)
{
	uint64_t size = (uint64_t)BIG_CLUSTERS * cluster_bytes;
	uint32_t per_buf = BUF_BYTES / cluster_bytes;
	unsigned long pieces = (unsigned long)((size + BUF_BYTES - 1) / BUF_BYTES);
	struct fat_file f;
	CHECK_EQ_INT(fat_open(&vol, &f, "/BIG.BIN", FAT_O_WRITE | FAT_O_CREATE), 0);

	double t0 = now_s();
	reset_counts();
	memset(buf, 0, BUF_BYTES);
	for (uint32_t c = 0; c < BIG_CLUSTERS; c += per_buf) {
		uint32_t k = BIG_CLUSTERS - c < per_buf ? BIG_CLUSTERS - c : per_buf;
		for (uint32_t i = 0; i < k; i++) {
			uint64_t t = tag_of(c + i);
			memcpy(buf + (size_t)i * cluster_bytes, &t, sizeof(t));
		}
		CHECK_EQ_INT(fat_write(&f, buf, (size_t)k * cluster_bytes), (long)k * (long)cluster_bytes);
	}
	CHECK_EQ_INT(fat_close(&f), 0);
	phase("write 20000 clusters, 8 MiB a call", t0);
	/* Each FAT sector is read about once (allocation, then the run
	 * check hits the cache); data goes in one request per piece. */
	CHECK(sd.rd[R_FAT].reqs <= 2 * fat_span(BIG_CLUSTERS) + 8);
	CHECK(sd.wr[R_FAT].reqs <= geo.num_fats * (2 * fat_span(BIG_CLUSTERS) + 8));
	/* A growing file takes clusters in steps whose FAT entries fill at
	 * most three cached sectors (protocols/fat/file.c, growth_step), each
	 * step's data written before the next: one request per call and
	 * per step. */
	uint64_t step = 3ull * (SECTOR / 4) * cluster_bytes;
	CHECK(sd.wr[R_DATA].reqs <= pieces + size / step + 4);
	CHECK(sd.rd[R_DATA].reqs <= 4);
	CHECK_EQ_UINT(sd.wr[R_DATA].sectors, (uint64_t)BIG_CLUSTERS * geo.spc + 1); /* + its entry */

	struct fat_stat st;
	CHECK_EQ_INT(fat_stat(&vol, "/BIG.BIN", &st), 0);
	CHECK_EQ_UINT(st.size, size);

	/* Read back: the FAT once more, data one request per piece. */
	t0 = now_s();
	reset_counts();
	CHECK_EQ_INT(fat_open(&vol, &f, "/BIG.BIN", FAT_O_READ), 0);
	uint64_t bad = 0, at = 0;
	for (;;) {
		long n = fat_read(&f, buf, BUF_BYTES);
		CHECK(n >= 0);
		if (n <= 0)
			break;
		for (long off = 0; off < n; off += cluster_bytes) {
			uint64_t t, want = tag_of((uint32_t)((at + (uint64_t)off) / cluster_bytes));
			memcpy(&t, buf + off, sizeof(t));
			bad += t != want;
			bad += memcmp(buf + off + 8, zero_sector, SECTOR - 8) != 0;
			for (uint32_t s = SECTOR; s < cluster_bytes; s += SECTOR)
				bad += memcmp(buf + off + s, zero_sector, SECTOR) != 0;
		}
		at += (uint64_t)n;
	}
	CHECK_EQ_INT(fat_close(&f), 0);
	phase("read them back", t0);
	CHECK_EQ_UINT(at, size);
	CHECK_EQ_UINT(bad, 0);
	CHECK(sd.rd[R_FAT].reqs <= fat_span(BIG_CLUSTERS) + 8);
	CHECK(sd.rd[R_DATA].reqs <= pieces + 4);
	/* The file's clusters, and the root's sector unless it is cached. */
	CHECK(sd.rd[R_DATA].sectors >= (uint64_t)BIG_CLUSTERS * geo.spc);
	CHECK(sd.rd[R_DATA].sectors <= (uint64_t)BIG_CLUSTERS * geo.spc + 1);
	CHECK_EQ_INT(sd.wr[R_FAT].reqs + sd.wr[R_DATA].reqs, 0);
}

static uint32_t first_cluster(const char *path)
{
	struct fat_stat st;
	CHECK_EQ_INT(fat_stat(&vol, path, &st), 0);
	return st.first_cluster;
}

/* 4. Fragmentation: many small files, every other one deleted, more
 * created. Allocation keeps going forward from the hint. */
static uint32_t g_first;

/* Clusters of /FRAG's chain (looked up outside the counted windows). */
static uint32_t frag_clusters(void)
{
	CHECK_EQ_INT(fat_sync(&vol), 0);
	return raw_chain_length(first_cluster("/FRAG"));
}

static void test_fragmented(void)
{
	char path[64];
	CHECK_EQ_INT(fat_mkdir(&vol, "/FRAG"), 0);
	uint32_t free0 = free_clusters(), dir0 = frag_clusters();

	double t0 = now_s();
	reset_counts();
	for (unsigned i = 0; i < SMALL_FILES; i++) {
		snprintf(path, sizeof(path), "/FRAG/F%05u.DAT", i);
		write_small(path, i);
	}
	phase("create 2000 small files", t0);
	unsigned long reads = sd.rd[R_FAT].reqs;
	uint32_t free1 = free_clusters(), dir1 = frag_clusters();
	/* A FAT read or two per 128 allocations, and per cluster the folder
	 * grew by; with the hint broken this is a pass per file. */
	CHECK(reads <= 2 * fat_span(SMALL_FILES) + 2 * (dir1 - dir0) + 16);
	CHECK_EQ_UINT(free0 - free1, SMALL_FILES + (dir1 - dir0));

	t0 = now_s();
	reset_counts();
	for (unsigned i = 1; i < SMALL_FILES; i += 2) {
		snprintf(path, sizeof(path), "/FRAG/F%05u.DAT", i);
		CHECK_EQ_INT(fat_unlink(&vol, path), 0);
	}
	phase("delete every other one", t0);
	/* Each unlink looks the name up, which reads the folder and walks its
	 * chain (the folder's sectors push the FAT's out of the cache), then
	 * frees one entry: up to a FAT read per folder cluster, nothing that
	 * grows with the FAT. */
	reads = sd.rd[R_FAT].reqs;
	printf("  /FRAG: %u clusters\n", dir1);
	CHECK(reads <= (SMALL_FILES / 2) * (dir1 + 1) + 16);
	uint32_t free2 = free_clusters();
	CHECK_EQ_UINT(free2, free1 + SMALL_FILES / 2);
	CHECK_EQ_UINT(frag_clusters(), dir1);

	t0 = now_s();
	reset_counts();
	for (unsigned i = 0; i < SMALL_FILES / 2; i++) {
		snprintf(path, sizeof(path), "/FRAG/G%05u.DAT", i);
		write_small(path, 100000 + i);
	}
	phase("create 1000 more", t0);
	reads = sd.rd[R_FAT].reqs;
	uint32_t free3 = free_clusters(), dir3 = frag_clusters();
	/* As above, and one walk of the folder's chain: the unlinks made the
	 * library forget its hint for the folder. */
	CHECK(reads <= 2 * fat_span(SMALL_FILES / 2) + dir3 + 2 * (dir3 - dir1) + 16);
	CHECK_EQ_UINT(free2 - free3, SMALL_FILES / 2 + (dir3 - dir1));
	/* The hint has not come back to the holes yet. */
	g_first = first_cluster("/FRAG/G00000.DAT");
	CHECK(g_first > first_cluster("/FRAG/F01998.DAT"));
	check_free_exact();
}

/* 5. The next-free hint near the end of the volume (as another system
 * may leave FSInfo): allocation wraps to the start and fills the holes
 * in one pass over the used part of the FAT, not one pass per file. */
static void test_wraparound(void)
{
	char path[64];
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	uint8_t fsi[SECTOR];
	memcpy(fsi, raw_sector(geo.fsinfo), SECTOR);
	uint32_t max_cluster = geo.clusters + 1;
	put32le(fsi + 492, max_cluster - 63);
	raw_write(geo.fsinfo, fsi);
	mount();
	uint32_t free0 = free_clusters(), dir0 = frag_clusters();

	/* Clusters up to the last one in use: what one pass has to read. */
	uint32_t high = 2;
	for (uint32_t c = 2; c <= max_cluster; c += SECTOR / 4)
		if (raw_sector(geo.reserved + (uint64_t)c * 4 / SECTOR) != zero_sector)
			high = c + SECTOR / 4;

	double t0 = now_s();
	reset_counts();
	for (unsigned i = 0; i < WRAP_FILES; i++) {
		snprintf(path, sizeof(path), "/FRAG/H%05u.DAT", i);
		write_small(path, 200000 + i);
	}
	phase("create 1500 after wrap-around", t0);
	unsigned long reads = sd.rd[R_FAT].reqs;
	uint32_t free1 = free_clusters(), dir1 = frag_clusters();
	/* One pass: the tail, then the used part once (plus a walk of the
	 * folder's chain and its growth, as above); with a search from the
	 * start per allocation it would be ~160 sectors per file. */
	CHECK(reads <= fat_span(high) + 2 * fat_span(WRAP_FILES) + dir1 + 2 * (dir1 - dir0) + 16);
	CHECK_EQ_UINT(free0 - free1, WRAP_FILES + (dir1 - dir0));

	/* The holes left by the deleted files were used. */
	unsigned in_holes = 0, at_end = 0;
	for (unsigned i = 0; i < WRAP_FILES; i++) {
		snprintf(path, sizeof(path), "/FRAG/H%05u.DAT", i);
		uint32_t c = first_cluster(path);
		in_holes += c < g_first;
		at_end += c > max_cluster - 63;
	}
	printf("  after wrap-around: %u files at the volume's end, %u in holes\n", at_end, in_holes);
	CHECK(at_end >= 60);
	/* Every hole is taken, by a file or by the folder's growth. */
	CHECK(in_holes <= SMALL_FILES / 2);
	CHECK(in_holes + (dir1 - dir0) >= SMALL_FILES / 2);
	check_free_exact();
}

/* 6. FSInfo says the free count is unknown: allocation still reads only
 * what it needs; counting (fat_volume_info) is the one full pass, once. */
static void test_unknown_free(void)
{
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	uint8_t fsi[SECTOR];
	memcpy(fsi, raw_sector(geo.fsinfo), SECTOR);
	uint32_t known = get32le(fsi + 488);
	put32le(fsi + 488, 0xFFFFFFFFu);
	raw_write(geo.fsinfo, fsi);

	double t0 = now_s();
	reset_counts();
	mount();
	struct fat_file f;
	CHECK_EQ_INT(fat_open(&vol, &f, "/UNKNOWN.BIN", FAT_O_WRITE | FAT_O_CREATE), 0);
	memset(buf, 0, BUF_BYTES);
	CHECK_EQ_INT(fat_write(&f, buf, 100u * cluster_bytes), 100L * cluster_bytes);
	CHECK_EQ_INT(fat_close(&f), 0);
	phase("unknown count: write 100 clusters", t0);
	CHECK(sd.rd[R_FAT].reqs <= 2 * fat_span(100) + 8);

	t0 = now_s();
	reset_counts();
	uint32_t n = free_clusters();
	phase("unknown count: count once", t0);
	CHECK_EQ_UINT(n, known - 100);
	/* Copy 1 once, no more (the sectors holding entries, not the padding
	 * after them); a few sectors may already be cached. */
	CHECK(sd.rd[R_FAT].reqs <= fat_span(geo.clusters + 2));
	CHECK(sd.rd[R_FAT].reqs + FAT_CACHE_SECTORS >= fat_span(geo.clusters + 2));
	reset_counts();
	CHECK_EQ_UINT(free_clusters(), n);
	CHECK_EQ_INT(sd.rd[R_FAT].reqs, 0);

	/* The count reaches FSInfo at sync and is trusted at the next mount. */
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	CHECK_EQ_UINT(get32le(raw_sector(geo.fsinfo) + 488), n);
	reset_counts();
	mount();
	CHECK_EQ_UINT(free_clusters(), n);
	CHECK_EQ_INT(sd.rd[R_FAT].reqs, 0);
}

/* 7. After a remount, every file is there with its size and bytes. */
static void test_remount_contents(void)
{
	char path[64];
	CHECK_EQ_INT(fat_unmount(&vol), 0);
	mount();
	struct fat_stat st;
	CHECK_EQ_INT(fat_stat(&vol, "/BIG.BIN", &st), 0);
	CHECK_EQ_UINT(st.size, (uint64_t)BIG_CLUSTERS * cluster_bytes);
	CHECK_EQ_INT(fat_stat(&vol, "/UNKNOWN.BIN", &st), 0);
	CHECK_EQ_UINT(st.size, 100u * cluster_bytes);

	/* One listing of the folder: every name once, sizes right. */
	struct fat_dir d;
	struct fat_dirent e;
	unsigned f = 0, g = 0, h = 0, other = 0;
	CHECK_EQ_INT(fat_dir_open(&vol, &d, "/FRAG"), 0);
	int rc;
	while ((rc = fat_dir_read(&d, &e)) == 1) {
		unsigned idx = (unsigned)atoi(e.name + 1);
		bool ok = e.st.size == SMALL_BYTES;
		if (e.name[0] == 'F' && idx % 2 == 0 && idx < SMALL_FILES)
			f++;
		else if (e.name[0] == 'G' && idx < SMALL_FILES / 2)
			g++;
		else if (e.name[0] == 'H' && idx < WRAP_FILES)
			h++;
		else
			ok = false;
		other += !ok;
	}
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_UINT(f, SMALL_FILES / 2);
	CHECK_EQ_UINT(g, SMALL_FILES / 2);
	CHECK_EQ_UINT(h, WRAP_FILES);
	CHECK_EQ_UINT(other, 0);

	/* Contents of a spread of them (each open reads the folder). */
	for (unsigned i = 0; i < SMALL_FILES; i += 38) {
		snprintf(path, sizeof(path), "/FRAG/F%05u.DAT", i);
		check_small(path, i);
	}
	for (unsigned i = 1; i < SMALL_FILES / 2; i += 37) {
		snprintf(path, sizeof(path), "/FRAG/G%05u.DAT", i);
		check_small(path, 100000 + i);
	}
	for (unsigned i = 0; i < WRAP_FILES; i += 29) {
		snprintf(path, sizeof(path), "/FRAG/H%05u.DAT", i);
		check_small(path, 200000 + i);
	}
	check_small("/FRAG/H01499.DAT", 200000 + 1499);
	check_free_exact();
	CHECK_EQ_INT(fat_unmount(&vol), 0);
}

/* One volume of `bytes`, formatted as mkfs.fat would, through every step. */
static void run_volume(uint64_t bytes)
{
	memset(sd.keys, 0, (sizeof(*sd.keys)) << HASH_BITS);
	sd.used = 0;
	sd.full = false;
	sd.sectors = bytes / SECTOR;
	sd.fat_start = sd.data_start = 0;
	memset(sd.written, 0, WRITTEN_BITS / 8);
	sd.early_links = 0;
	memset(&dev, 0, sizeof(dev));
	dev.name = "sparse";
	dev.ops = &sparse_ops;
	dev.state = &sd;
	CHECK_EQ_INT(block_connected(&dev), 0);

	struct fat_format_opts opts = { .label = "SCALE", .serial = 0x5CA1E001, .clock = fixed_clock };
	CHECK_EQ_INT(fat_format(&dev, &opts), 0);
	read_geometry();
	CHECK(geo.clusters + 2 <= WRITTEN_BITS);
	printf("%llu GiB volume: %u reserved sectors, FAT %u sectors x %u, %u clusters of %u sectors\n",
	       (unsigned long long)(bytes >> 30), geo.reserved, geo.fat_sectors, geo.num_fats,
	       geo.clusters, geo.spc);
	printf("  %-34s reads (requests/sectors) by region          writes (requests/sectors) by region\n", "");
	test_mount();
	test_big_file();
	test_fragmented();
	test_wraparound();
	test_unknown_free();
	test_remount_contents();
	printf("  %u sectors stored (%.1f MiB)\n", sd.used, sd.used * (double)SECTOR / (1 << 20));
}

int main(void)
{
	double start = now_s();
	sd.keys = calloc(1u << HASH_BITS, sizeof(*sd.keys));
	sd.slot = calloc(1u << HASH_BITS, sizeof(*sd.slot));
	sd.pool = calloc(POOL_SECTORS, SECTOR);
	sd.written = malloc(WRITTEN_BITS / 8);
	buf = malloc(BUF_BYTES);
	if (!sd.keys || !sd.slot || !sd.pool || !sd.written || !buf) {
		fprintf(stderr, "test_fat_scale: out of memory\n");
		return 1;
	}
	test_sizes();
	fflush(stdout); /* stdio's buffer exists before heap use is watched */

	heap_watch_init();
	unsigned long heap0 = heap_mark();
	run_volume(32ull << 30); /* 16 KiB clusters, 2 M of them */
	run_volume(8ull << 30);  /* 4 KiB clusters: 8 MiB is 16 FAT sectors */
	unsigned long heap1 = heap_mark();
	CHECK_EQ_UINT(heap1, heap0);
	printf("heap %s: %lu -> %lu; %.2f s\n",
#ifdef SCALE_ASAN
	       "allocations seen",
#else
	       "bytes in use",
#endif
	       heap0, heap1, now_s() - start);
	free(buf);
	free(sd.written);
	free(sd.pool);
	free(sd.slot);
	free(sd.keys);
	return check_report();
}
