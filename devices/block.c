/* The block wrapper's one out-of-line piece (devices/block.h): fetch and
 * check the geometry once after connect, so that every read and write can
 * be range-checked inline against the cached copy. */
#include <errno.h>
#include <stdint.h>

#include "devices/block.h"

int block_connected(struct block *b)
{
	struct block_info info;
	if (!b->ops || b->ops->version != BLOCK_OPS_V1)
		return (int)device_account(&b->stats, -EPROTO);
	int rc = b->ops->info(b->state, &info);
	if (rc == 0) {
		uint32_t ss = info.sector_size;
		if (ss < 512 || (ss & (ss - 1)) != 0)
			rc = -EINVAL;
		else
			b->info = info;
	}
	return (int)device_account(&b->stats, rc);
}
