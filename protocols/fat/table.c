/* The file allocation table: 12-, 16- and 28-bit entries read and written
 * through the sector cache (never loaded whole), chain walking that
 * rejects links out of range, and allocation that starts where the last
 * one stopped instead of rescanning the table. */
#include "protocols/fat/fat_int.h"

static uint32_t eoc_value(const struct fat_volume *v)
{
	return v->type == FAT_TYPE_12 ? 0xFFFu : v->type == FAT_TYPE_16 ? 0xFFFFu : 0x0FFFFFFFu;
}

int fat__get_entry(struct fat_volume *v, uint32_t c, uint32_t *out)
{
	int err;
	if (c > v->max_cluster)
		return -EUCLEAN;
	uint32_t mask = v->sector_size - 1;
	if (v->type == FAT_TYPE_12) {
		uint32_t off = c + c / 2;
		const uint8_t *p = fat__cache_get(v, v->reserved + (off >> v->sector_shift), KIND_FAT, &err);
		if (p == NULL)
			return err;
		uint32_t lo = p[off & mask], hi;
		if ((off & mask) == mask) {
			p = fat__cache_get(v, v->reserved + (off >> v->sector_shift) + 1, KIND_FAT, &err);
			if (p == NULL)
				return err;
			hi = p[0];
		} else {
			hi = p[(off & mask) + 1];
		}
		uint32_t raw = lo | hi << 8;
		*out = (c & 1) ? raw >> 4 : raw & 0xFFF;
		return 0;
	}
	uint32_t off = v->type == FAT_TYPE_16 ? c * 2 : c * 4;
	const uint8_t *p = fat__cache_get(v, v->reserved + (off >> v->sector_shift), KIND_FAT, &err);
	if (p == NULL)
		return err;
	*out = v->type == FAT_TYPE_16 ? get16(p + (off & mask)) : get32(p + (off & mask)) & 0x0FFFFFFF;
	return 0;
}

int fat__set_entry(struct fat_volume *v, uint32_t c, uint32_t val)
{
	int err;
	if (c < 2 || c > v->max_cluster)
		return -EUCLEAN;
	uint32_t mask = v->sector_size - 1;
	if (v->type == FAT_TYPE_12) {
		uint32_t off = c + c / 2;
		uint32_t sec = v->reserved + (off >> v->sector_shift);
		val &= 0xFFF;
		uint8_t *p = fat__cache_get(v, sec, KIND_FAT, &err);
		if (p == NULL)
			return err;
		uint8_t *lo = p + (off & mask);
		*lo = (c & 1) ? (uint8_t)((*lo & 0x0F) | (val << 4 & 0xF0)) : (uint8_t)val;
		fat__cache_mark(v, p);
		if ((off & mask) == mask) {
			p = fat__cache_get(v, sec + 1, KIND_FAT, &err);
			if (p == NULL)
				return err;
			lo = p;
		} else {
			lo = p + (off & mask) + 1;
		}
		*lo = (c & 1) ? (uint8_t)(val >> 4) : (uint8_t)((*lo & 0xF0) | (val >> 8 & 0x0F));
		fat__cache_mark(v, p);
		return 0;
	}
	uint32_t off = v->type == FAT_TYPE_16 ? c * 2 : c * 4;
	uint8_t *p = fat__cache_get(v, v->reserved + (off >> v->sector_shift), KIND_FAT, &err);
	if (p == NULL)
		return err;
	if (v->type == FAT_TYPE_16)
		put16(p + (off & mask), val);
	else /* the top four bits are reserved and kept */
		put32(p + (off & mask), (get32(p + (off & mask)) & 0xF0000000u) | (val & 0x0FFFFFFFu));
	fat__cache_mark(v, p);
	return 0;
}

int64_t fat__next(struct fat_volume *v, uint32_t c)
{
	uint32_t e;
	int rc = fat__get_entry(v, c, &e);
	if (rc < 0)
		return rc;
	uint32_t eoc_min = v->type == FAT_TYPE_12 ? 0xFF8u : v->type == FAT_TYPE_16 ? 0xFFF8u : 0x0FFFFFF8u;
	if (e >= eoc_min)
		return FAT_EOC;
	if (!cluster_valid(v, e))
		return -EUCLEAN; /* free, reserved, bad or beyond the volume */
	return e;
}

static int zero_cluster(struct fat_volume *v, uint32_t c)
{
	uint32_t per = FAT_MAX_SECTOR >> v->sector_shift;
	uint32_t n = 1u << v->cluster_shift;
	uint32_t s = cluster_sector(v, c);
	for (uint32_t i = 0; i < n; i += per) {
		uint32_t k = n - i < per ? n - i : per;
		int rc = fat__data_write(v, s + i, k, fat__zeros);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int fat__alloc(struct fat_volume *v, uint32_t prev, uint32_t n, bool zero, uint32_t *first)
{
	int rc;
	if (n == 0)
		return -EINVAL;
	if (v->free_count != UINT32_MAX && v->free_count < n)
		return -ENOSPC;
	uint32_t head = 0, tail = 0, got = 0;
	uint32_t c = cluster_valid(v, v->next_free) ? v->next_free : 2;
	/* One pass over the table at most, from the hint around to it. */
	for (uint32_t seen = 0; got < n && seen < v->clusters; seen++) {
		uint32_t e;
		if ((rc = fat__get_entry(v, c, &e)) < 0)
			goto undo;
		if (e == FAT_FREE) {
			if ((rc = fat__set_entry(v, c, eoc_value(v))) < 0)
				goto undo;
			if (tail != 0 && (rc = fat__set_entry(v, tail, c)) < 0)
				goto undo;
			if (head == 0)
				head = c;
			tail = c;
			got++;
		}
		c = c == v->max_cluster ? 2 : c + 1;
	}
	if (got < n) {
		/* The whole table was seen: now the count is exact. */
		rc = -ENOSPC;
		v->free_count = got;
		v->fsinfo_dirty = true;
		goto undo;
	}
	v->next_free = c;
	if (v->free_count != UINT32_MAX)
		v->free_count -= n;
	v->fsinfo_dirty = true;
	if (zero) {
		for (uint32_t k = head, i = 0; i < n; i++) {
			if ((rc = zero_cluster(v, k)) < 0)
				goto undo;
			int64_t nx = fat__next(v, k);
			if (nx < 0 && i + 1 < n) {
				rc = (int)nx;
				goto undo;
			}
			k = (uint32_t)nx;
		}
	}
	/* Link the new chain last: until then it is only lost clusters. */
	if (prev != 0 && (rc = fat__set_entry(v, prev, head)) < 0)
		goto undo;
	*first = head;
	return 0;
undo:
	/* Give back what this call took; the caller's chain is untouched. */
	for (uint32_t k = head, i = 0; k != 0 && i < got; i++) {
		int64_t nx = fat__next(v, k);
		fat__set_entry(v, k, FAT_FREE);
		if (v->free_count != UINT32_MAX && got == n)
			v->free_count++;
		k = nx > 0 && nx != FAT_EOC ? (uint32_t)nx : 0;
	}
	return rc;
}

int fat__free_chain(struct fat_volume *v, uint32_t c)
{
	fat__hint_forget_dir(v, c); /* a folder's clusters may soon hold another */
	for (uint32_t steps = 0; cluster_valid(v, c) && steps < v->clusters; steps++) {
		uint32_t e;
		int rc = fat__get_entry(v, c, &e);
		if (rc < 0)
			return rc;
		if (e == FAT_FREE)
			break; /* already free: a loop back into what we freed */
		if ((rc = fat__set_entry(v, c, FAT_FREE)) < 0)
			return rc;
		if (v->free_count != UINT32_MAX)
			v->free_count++;
		v->fsinfo_dirty = true;
		int64_t nx;
		uint32_t eoc_min = v->type == FAT_TYPE_12 ? 0xFF8u : v->type == FAT_TYPE_16 ? 0xFFF8u : 0x0FFFFFF8u;
		nx = e >= eoc_min ? 0 : e;
		c = (uint32_t)nx;
	}
	return 0;
}

int fat__count_free(struct fat_volume *v, uint32_t *out)
{
	uint32_t n = 0;
	for (uint32_t c = 2; c <= v->max_cluster; c++) {
		uint32_t e;
		int rc = fat__get_entry(v, c, &e);
		if (rc < 0)
			return rc;
		n += e == FAT_FREE;
	}
	*out = n;
	return 0;
}
