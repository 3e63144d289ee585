/* fat_format: a new FAT12, FAT16 or FAT32 volume on a whole block device,
 * with the geometry mkfs.fat (dosfstools 4.x) would choose: FAT32 from
 * 512 MiB, Microsoft's FAT32 cluster sizes by volume size, FAT12/16
 * starting at 4-sector clusters with 512 root entries (the classic floppy
 * sizes get their historical layouts), reserved sectors and FATs aligned
 * to the cluster size on volumes above 4 MiB, and the cluster size
 * doubled until the count suits the type. */
#include "protocols/fat/fat_int.h"

struct geometry {
	enum fat_type type;
	uint32_t spc, reserved, root_entries, root_sectors, fat_sectors, clusters;
};

struct floppy {
	uint32_t kib;
	uint8_t spc, media;
	uint16_t root_entries, spt;
};

/* The classic diskette formats mkfs.fat reproduces for images of their size. */
static const struct floppy floppies[] = {
	{ 360, 2, 0xFD, 112, 9 },
	{ 720, 2, 0xF9, 112, 9 },
	{ 1200, 1, 0xF9, 224, 15 },
	{ 1440, 1, 0xF0, 224, 18 },
	{ 2880, 2, 0xF0, 224, 36 },
};

static uint32_t round_up(uint32_t x, uint32_t to)
{
	return (x + to - 1) / to * to;
}

/* Lay out a volume of `total` sectors with spc sectors per cluster as type
 * t; returns the cluster count it gets (0 when it does not fit). */
static uint32_t layout(struct geometry *g, enum fat_type t, uint32_t total, uint32_t ss,
		       uint32_t spc, uint32_t nfats, uint32_t reserved, uint32_t root_entries, bool align)
{
	g->type = t;
	g->spc = spc;
	g->reserved = align ? round_up(reserved, spc) : reserved;
	g->root_entries = t == FAT_TYPE_32 ? 0 : root_entries;
	g->root_sectors = (g->root_entries * DIRENT_SIZE + ss - 1) / ss;
	if (align)
		g->root_sectors = round_up(g->root_sectors, spc);
	g->root_entries = t == FAT_TYPE_32 ? 0 : g->root_sectors * (ss / DIRENT_SIZE);
	uint64_t fixed = (uint64_t)g->reserved + g->root_sectors;
	if (fixed >= total)
		return 0;
	uint64_t avail = total - fixed;
	/* Estimate the count from the space a cluster and its FAT entries
	 * take, size the FAT for it, then count what really remains. */
	uint64_t entry_bits = t == FAT_TYPE_12 ? 12 : t == FAT_TYPE_16 ? 16 : 32;
	uint64_t est = avail * ss * 8 / ((uint64_t)spc * ss * 8 + nfats * entry_bits);
	uint64_t fat_bytes = ((est + 2) * entry_bits + 7) / 8;
	uint64_t fatlen = (fat_bytes + ss - 1) / ss;
	if (align)
		fatlen = round_up((uint32_t)fatlen, spc);
	if (fatlen * nfats >= avail)
		return 0;
	g->fat_sectors = (uint32_t)fatlen;
	uint64_t clusters = (avail - fatlen * nfats) / spc;
	if (clusters > FAT32_MAX_CLUSTERS)
		return 0;
	g->clusters = (uint32_t)clusters;
	return g->clusters;
}

static bool count_fits(enum fat_type t, uint32_t clusters, bool forced)
{
	if (clusters == 0)
		return false;
	switch (t) {
	case FAT_TYPE_12:
		return clusters <= FAT12_MAX_CLUSTERS;
	case FAT_TYPE_16:
		return clusters > FAT12_MAX_CLUSTERS && clusters <= FAT16_MAX_CLUSTERS;
	case FAT_TYPE_32:
		/* Below 65525 clusters only on request: readers that go by the
		 * count alone would take it for FAT16. */
		return forced || clusters > FAT16_MAX_CLUSTERS;
	}
	return false;
}

/* Double the cluster size from spc until the type's count fits. */
static bool pick(struct geometry *g, enum fat_type type, bool forced,
		 uint32_t total, uint32_t ss, uint32_t spc, uint32_t max_spc, uint32_t nfats, uint32_t reserved,
		 uint32_t root_entries, bool align)
{
	struct geometry g12, g16;
	bool ok = false;
	for (; spc <= max_spc && !ok; spc <<= 1) {
		if (type == 0) {
			/* Either small type: prefer the one with more clusters. */
			uint32_t c12 = layout(&g12, FAT_TYPE_12, total, ss, spc, nfats, reserved, root_entries, align);
			uint32_t c16 = layout(&g16, FAT_TYPE_16, total, ss, spc, nfats, reserved, root_entries, align);
			bool ok12 = count_fits(FAT_TYPE_12, c12, false), ok16 = count_fits(FAT_TYPE_16, c16, false);
			if (ok12 || ok16) {
				*g = ok16 && (!ok12 || c16 > c12) ? g16 : g12;
				ok = true;
			}
		} else {
			uint32_t c = layout(g, type, total, ss, spc, nfats, reserved, root_entries, align);
			ok = count_fits(type, c, forced);
		}
	}
	return ok;
}

static int zero_range(struct block *dev, uint32_t shift, uint64_t from, uint64_t count, uint32_t ss)
{
	uint32_t per = (uint32_t)(sizeof(fat__zeros) / ss);
	while (count > 0) {
		uint32_t n = count < per ? (uint32_t)count : per;
		int rc = block_write(dev, from << shift, n << shift, fat__zeros);
		if (rc < 0)
			return rc;
		from += n;
		count -= n;
	}
	return 0;
}

int fat_format(struct block *dev, const struct fat_format_opts *opts)
{
	uint32_t ss = dev->info.sector_size;
	if (ss < 512 || ss > FAT_MAX_SECTOR || (ss & (ss - 1)) != 0)
		return -EINVAL;
	if (dev->info.read_only)
		return -EROFS;
	uint64_t devsec = dev->info.sectors;
	uint32_t total = devsec > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)devsec;
	uint64_t bytes = (uint64_t)total * ss;
	uint32_t nfats = opts->num_fats ? opts->num_fats : 2;
	if (nfats > 4)
		return -EINVAL;

	uint32_t spt = bytes < (512u << 20) ? 32 : 63, heads = bytes < (512u << 20) ? 64 : 255;
	uint32_t media = 0xF8, spc = 4, root_entries = 512;
	for (size_t i = 0; i < sizeof(floppies) / sizeof(floppies[0]); i++) {
		if (bytes == (uint64_t)floppies[i].kib * 1024) {
			spc = floppies[i].spc;
			media = floppies[i].media;
			root_entries = floppies[i].root_entries;
			spt = floppies[i].spt;
			heads = 2;
		}
	}
	if (opts->root_entries)
		root_entries = opts->root_entries;
	/* mkfs.fat uses whole tracks only. */
	if (total > spt)
		total -= total % spt;
	enum fat_type type = opts->type;
	bool forced = type != 0;
	if (type != 0 && type != FAT_TYPE_12 && type != FAT_TYPE_16 && type != FAT_TYPE_32)
		return -EINVAL;
	if (type == 0 && bytes >= (512u << 20))
		type = FAT_TYPE_32;
	if (type == FAT_TYPE_32) {
		/* Microsoft's table, in 512-byte units. */
		uint64_t mb = bytes >> 20;
		uint32_t units = mb > 32768 ? 64 : mb > 16384 ? 32 : mb > 8192 ? 16 : mb > 260 ? 8 : 1;
		spc = units * 512 / ss ? units * 512 / ss : 1;
	}
	uint32_t max_spc = 128;
	if (opts->sectors_per_cluster) {
		spc = max_spc = opts->sectors_per_cluster;
		if (spc > 128 || (spc & (spc - 1)) != 0)
			return -EINVAL;
	}
	bool align = total > 8192;
	uint32_t reserved = type == FAT_TYPE_32 ? 32 : 1;

	struct geometry g = { 0 };
	bool ok = false;
	/* A type asked for that mkfs.fat's starting cluster size cannot give
	 * (FAT16 on 8 MiB, say) gets smaller clusters too. */
	bool retried = opts->sectors_per_cluster != 0 || !forced;
	for (;; spc = 1, retried = true) {
		ok = pick(&g, type, forced, total, ss, spc, max_spc, nfats, reserved, root_entries, align);
		if (ok || retried)
			break;
	}
	if (!ok)
		return -EINVAL; /* no cluster size gives this type a valid count */

	/* Volume id: the caller's, or from the clock like mkfs.fat. */
	uint32_t serial = opts->serial;
	if (serial == 0) {
		int64_t ns = opts->clock != NULL ? opts->clock(opts->clock_arg) : 0;
		serial = (uint32_t)(ns ^ (ns >> 32)) ^ (uint32_t)(total * 2654435761u);
	}
	char label[11];
	memset(label, ' ', sizeof(label));
	const char *lab = opts->label != NULL && opts->label[0] ? opts->label : "NO NAME";
	for (size_t i = 0; i < 11 && lab[i]; i++) {
		char c = lab[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if ((unsigned char)c < 0x20 || strchr("\"*+,./:;<=>?[\\]|", c) != NULL)
			return -EINVAL;
		label[i] = c;
	}
	if (strlen(lab) > 11)
		return -EINVAL;

	uint32_t shift = 0;
	while ((dev->info.sector_size << shift) < ss)
		shift++;
	uint32_t data = g.reserved + nfats * g.fat_sectors + g.root_sectors;
	int rc;
	/* Zero the metadata first; the boot sector comes last so that a cut
	 * leaves no valid-looking volume over stale tables. */
	if ((rc = zero_range(dev, shift, 0, data, ss)) < 0)
		return rc;
	if (g.type == FAT_TYPE_32 && (rc = zero_range(dev, shift, data, g.spc, ss)) < 0)
		return rc;

	uint8_t sec[FAT_MAX_SECTOR];
	/* First FAT sector of every copy: the media byte, an end mark, and
	 * the FAT32 root's one-cluster chain. */
	memset(sec, 0, ss);
	if (g.type == FAT_TYPE_12) {
		sec[0] = (uint8_t)media, sec[1] = 0xFF, sec[2] = 0xFF;
	} else if (g.type == FAT_TYPE_16) {
		put16(sec, 0xFF00 | media);
		put16(sec + 2, 0xFFFF);
	} else {
		put32(sec, 0x0FFFFF00 | media);
		put32(sec + 4, 0x0FFFFFFF);
		put32(sec + 8, 0x0FFFFFFF);
	}
	for (uint32_t i = 0; i < nfats; i++)
		if ((rc = block_write(dev, (uint64_t)(g.reserved + i * g.fat_sectors) << shift, 1u << shift, sec)) < 0)
			return rc;

	/* The label also lives as an entry in the root folder. */
	if (opts->label != NULL && opts->label[0]) {
		memset(sec, 0, ss);
		memcpy(sec, label, 11);
		sec[DE_ATTR] = FAT_ATTR_VOLUME_ID;
		uint16_t date, time;
		uint8_t tenth;
		fat__now_from(opts->clock, opts->clock_arg, &date, &time, &tenth);
		put16(sec + DE_MTIME, time);
		put16(sec + DE_MDATE, date);
		uint32_t at = g.type == FAT_TYPE_32 ? data : g.reserved + nfats * g.fat_sectors;
		if ((rc = block_write(dev, (uint64_t)at << shift, 1u << shift, sec)) < 0)
			return rc;
	}

	uint8_t *b = sec;
	memset(b, 0, ss);
	b[0] = 0xEB;
	b[1] = g.type == FAT_TYPE_32 ? 0x58 : 0x3C;
	b[2] = 0x90;
	memcpy(b + 3, "MSWIN4.1", 8);
	put16(b + 11, ss);
	b[13] = (uint8_t)g.spc;
	put16(b + 14, g.reserved);
	b[16] = (uint8_t)nfats;
	put16(b + 17, g.root_entries);
	if (total < 65536 && g.type != FAT_TYPE_32)
		put16(b + 19, total);
	else
		put32(b + 32, total);
	b[21] = (uint8_t)media;
	put16(b + 24, spt);
	put16(b + 26, heads);
	uint32_t ext; /* where the extended fields start */
	if (g.type == FAT_TYPE_32) {
		put32(b + 36, g.fat_sectors);
		put32(b + 44, 2);   /* root cluster */
		put16(b + 48, 1);   /* FSInfo */
		put16(b + 50, 6);   /* backup boot sector */
		ext = 64;
	} else {
		put16(b + 22, g.fat_sectors);
		ext = 36;
	}
	b[ext] = media == 0xF8 ? 0x80 : 0x00;
	b[ext + 2] = 0x29;
	put32(b + ext + 3, serial);
	memcpy(b + ext + 7, label, 11);
	memcpy(b + ext + 18, g.type == FAT_TYPE_12 ? "FAT12   " : g.type == FAT_TYPE_16 ? "FAT16   " : "FAT32   ", 8);
	/* Boot code: an endless loop where the jump lands. */
	uint32_t code = g.type == FAT_TYPE_32 ? 0x5A : 0x3E;
	b[code] = 0xEB;
	b[code + 1] = 0xFE;
	b[510] = 0x55;
	b[511] = 0xAA;

	if (g.type == FAT_TYPE_32) {
		uint8_t fsi[FAT_MAX_SECTOR];
		memset(fsi, 0, ss);
		put32(fsi + 0, 0x41615252u);
		put32(fsi + 484, 0x61417272u);
		put32(fsi + 488, g.clusters - 1);
		put32(fsi + 492, 3);
		put32(fsi + 508, 0xAA550000u);
		/* Backup boot sector and FSInfo copy at 6 and 7, then the real ones. */
		if ((rc = block_write(dev, 6ull << shift, 1u << shift, b)) < 0 ||
		    (rc = block_write(dev, 7ull << shift, 1u << shift, fsi)) < 0 ||
		    (rc = block_write(dev, 1ull << shift, 1u << shift, fsi)) < 0)
			return rc;
	}
	if ((rc = block_flush(dev)) < 0)
		return rc;
	if ((rc = block_write(dev, 0, 1u << shift, b)) < 0)
		return rc;
	return block_flush(dev);
}
