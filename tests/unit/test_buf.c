/* Unit tests of lib/buf.h: every accessor at the edges of its view (last
 * fitting offset, one past, offsets near SIZE_MAX), sub-views, and the
 * sticky error flag of readers and writers. */
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "tests/unit/check.h"

static const uint8_t data[10] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a };

static void test_get(void)
{
	struct buf_view v = buf_view(data, sizeof data);
	uint8_t u8 = 0;
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;

	CHECK(buf_get_u8(v, 0, &u8) && u8 == 0x01);
	CHECK(buf_get_u8(v, 9, &u8) && u8 == 0x0a);
	CHECK(!buf_get_u8(v, 10, &u8) && u8 == 0x0a);
	CHECK(buf_get_be16(v, 0, &u16) && u16 == 0x0102);
	CHECK(buf_get_be16(v, 8, &u16) && u16 == 0x090a);
	CHECK(!buf_get_be16(v, 9, &u16));
	CHECK(buf_get_le16(v, 8, &u16) && u16 == 0x0a09);
	CHECK(!buf_get_le16(v, 9, &u16));
	CHECK(buf_get_be32(v, 6, &u32) && u32 == 0x0708090a);
	CHECK(!buf_get_be32(v, 7, &u32));
	CHECK(buf_get_le32(v, 0, &u32) && u32 == 0x04030201);
	CHECK(!buf_get_le32(v, 7, &u32));
	CHECK(buf_get_be64(v, 2, &u64) && u64 == 0x030405060708090aull);
	CHECK(!buf_get_be64(v, 3, &u64));
	/* offsets that would overflow off + size */
	CHECK(!buf_get_u8(v, SIZE_MAX, &u8));
	CHECK(!buf_get_be16(v, SIZE_MAX - 1, &u16));
	CHECK(!buf_get_be32(v, SIZE_MAX - 2, &u32));
	CHECK(!buf_get_be64(v, SIZE_MAX - 7, &u64));
	/* an empty view */
	struct buf_view e = buf_view(NULL, 0);
	CHECK(!buf_get_u8(e, 0, &u8));
	uint8_t out[4];
	CHECK(buf_get_bytes(v, 6, out, 4) && !memcmp(out, data + 6, 4));
	CHECK(!buf_get_bytes(v, 7, out, 4));
	CHECK(buf_get_bytes(v, 10, out, 0));
	CHECK(!buf_get_bytes(v, 11, out, 0));
	CHECK(!buf_get_bytes(v, 2, out, SIZE_MAX));
}

static void test_set(void)
{
	uint8_t b[10];
	memset(b, 0xee, sizeof b);
	struct buf_mview w = buf_mview(b, 8);
	CHECK(buf_set_be16(w, 6, 0xa1b2));
	CHECK(!buf_set_be16(w, 7, 0xffff));
	CHECK(buf_set_be32(w, 0, 0x11223344));
	CHECK(!buf_set_be32(w, 5, 0));
	CHECK(buf_set_u8(w, 4, 0x55));
	CHECK(!buf_set_u8(w, 8, 0));
	CHECK(buf_set_le16(w, 5, 0x6677)); /* byte 6 is overwritten below */
	CHECK(buf_set_be16(w, 6, 0xa1b2));
	static const uint8_t expect1[10] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x77, 0xa1, 0xb2, 0xee, 0xee };
	CHECK_EQ_MEM(b, expect1, 10);
	CHECK(!buf_set_be64(w, 1, 0));
	CHECK(buf_set_be64(w, 0, 0x0102030405060708ull));
	CHECK(buf_set_le32(w, 4, 0x0d0c0b0a));
	CHECK(!buf_set_le32(w, 5, 0));
	static const uint8_t expect2[10] = { 1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0xee, 0xee };
	CHECK_EQ_MEM(b, expect2, 10);
	CHECK(!buf_set_bytes(w, 6, "xyz", 3));
	CHECK(buf_set_bytes(w, 5, "xyz", 3));
	CHECK(!buf_set_u8(w, SIZE_MAX, 0));
	CHECK_EQ_INT(b[8], 0xee); /* nothing past the view was touched */
	CHECK_EQ_INT(b[9], 0xee);
}

static void test_sub(void)
{
	struct buf_view v = buf_view(data, sizeof data), s;
	CHECK(buf_sub(v, 2, 3, &s) && s.p == data + 2 && s.len == 3);
	CHECK(buf_sub(v, 10, 0, &s) && s.len == 0);
	CHECK(!buf_sub(v, 8, 3, &s) && s.p == NULL && s.len == 0);
	CHECK(!buf_sub(v, 11, 0, &s));
	CHECK(!buf_sub(v, 1, SIZE_MAX, &s));
	uint16_t x;
	CHECK(buf_sub(v, 4, 4, &s) && buf_get_be16(s, 2, &x) && x == 0x0708 && !buf_get_be16(s, 3, &x));
	struct buf_view t = buf_tail(v, 7);
	CHECK(t.len == 3 && t.p == data + 7);
	CHECK(buf_tail(v, 10).len == 0 && buf_tail(v, 99).len == 0);
	uint8_t m[4];
	struct buf_mview mv = buf_mview(m, 4), ms;
	CHECK(buf_msub(mv, 1, 3, &ms) && ms.p == m + 1);
	CHECK(!buf_msub(mv, 2, 3, &ms) && ms.len == 0);
	CHECK(buf_ro(mv).p == m && buf_ro(mv).len == 4);
	CHECK(buf_fits(10, 10, 0) && !buf_fits(10, 10, 1) && !buf_fits(10, SIZE_MAX, 2));
}

static void test_reader(void)
{
	struct buf_reader r = buf_reader(buf_view(data, sizeof data));
	CHECK_EQ_INT(buf_read_u8(&r), 0x01);
	CHECK_EQ_INT(buf_read_be16(&r), 0x0203);
	CHECK_EQ_INT(buf_read_le16(&r), 0x0504);
	CHECK_EQ_INT(buf_remaining(&r), 5);
	struct buf_view t = buf_take(&r, 2);
	CHECK(t.p == data + 5 && t.len == 2);
	CHECK_EQ_UINT(buf_read_be32(&r), 0); /* only 3 left: fails */
	CHECK(r.err);
	CHECK_EQ_INT(buf_remaining(&r), 3); /* nothing consumed */
	CHECK_EQ_INT(buf_read_u8(&r), 0);    /* sticky */
	CHECK(buf_take(&r, 1).len == 0);

	r = buf_reader(buf_view(data, sizeof data));
	CHECK_EQ_UINT(buf_read_be64(&r), 0x0102030405060708ull);
	buf_skip(&r, 1);
	CHECK(!r.err);
	CHECK_EQ_INT(buf_read_u8(&r), 0x0a);
	CHECK(!r.err && buf_remaining(&r) == 0);
	CHECK_EQ_INT(buf_read_u8(&r), 0);
	CHECK(r.err);

	r = buf_reader(buf_view(data, sizeof data));
	CHECK_EQ_UINT(buf_read_le32(&r), 0x04030201);
	uint8_t two[2];
	buf_read_bytes(&r, two, 2);
	CHECK(two[0] == 5 && two[1] == 6);
	struct buf_view rest = buf_take_rest(&r);
	CHECK(rest.len == 4 && rest.p == data + 6 && !r.err);
	buf_skip(&r, SIZE_MAX);
	CHECK(r.err);

	r = buf_reader(buf_view(data, sizeof data));
	buf_skip(&r, 11);
	CHECK(r.err && r.pos == 0);
	CHECK(buf_take_rest(&r).len == 0);
	CHECK_EQ_UINT(buf_read_be64(&r), 0);
}

static void test_writer(void)
{
	uint8_t b[12];
	memset(b, 0, sizeof b);
	struct buf_writer w = buf_writer(buf_mview(b, 11));
	buf_write_u8(&w, 0x45);
	buf_write_be16(&w, 0x0102);
	struct buf_mview len = buf_reserve(&w, 2);
	buf_write_le16(&w, 0x0304);
	buf_write_be32(&w, 0xa0b0c0d0);
	CHECK(!w.err && w.pos == 11 && buf_room(&w) == 0);
	CHECK(buf_set_be16(len, 0, 0xbeef));
	static const uint8_t expect[12] = { 0x45, 1, 2, 0xbe, 0xef, 4, 3, 0xa0, 0xb0, 0xc0, 0xd0, 0 };
	CHECK_EQ_MEM(b, expect, 12);
	buf_write_u8(&w, 0xff);
	CHECK(w.err && w.pos == 11 && b[11] == 0);
	buf_write_be16(&w, 1); /* sticky: nothing more is written */
	CHECK(w.pos == 11);
	CHECK(buf_written(&w).len == 11);

	w = buf_writer(buf_mview(b, 12));
	buf_write_be64(&w, 0x1122334455667788ull);
	buf_write_le32(&w, 0x01020304);
	CHECK(!w.err && w.pos == 12);
	static const uint8_t expect2[12] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 4, 3, 2, 1 };
	CHECK_EQ_MEM(b, expect2, 12);

	w = buf_writer(buf_mview(b, 6));
	buf_write_bytes(&w, "abc", 3);
	buf_write_fill(&w, '-', 2);
	buf_write_bytes(&w, "xy", 2); /* does not fit */
	CHECK(w.err && w.pos == 5);
	CHECK_EQ_MEM(b, "abc--", 5);
	CHECK(buf_reserve(&w, 1).len == 0);

	w = buf_writer(buf_mview(b, 4));
	buf_write_be32(&w, 0x01020304);
	buf_write_be64(&w, 1);
	buf_write_le32(&w, 1);
	buf_write_le16(&w, 1);
	buf_write_fill(&w, 0, (size_t)1 << 40);
	CHECK(w.err && w.pos == 4);
}

static void test_unchecked(void)
{
	uint8_t b[8];
	buf_store_be16(b, 0x1234);
	CHECK(b[0] == 0x12 && b[1] == 0x34 && buf_load_be16(b) == 0x1234);
	buf_store_le16(b, 0x1234);
	CHECK(b[0] == 0x34 && buf_load_le16(b) == 0x1234);
	buf_store_be32(b, 0x89abcdef);
	CHECK(b[0] == 0x89 && b[3] == 0xef && buf_load_be32(b) == 0x89abcdef);
	buf_store_le32(b, 0x89abcdef);
	CHECK(b[0] == 0xef && buf_load_le32(b) == 0x89abcdef);
	buf_store_be64(b, 0xfedcba9876543210ull);
	CHECK(b[0] == 0xfe && b[7] == 0x10 && buf_load_be64(b) == 0xfedcba9876543210ull);
}

int main(void)
{
	test_get();
	test_set();
	test_sub();
	test_reader();
	test_writer();
	test_unchecked();
	return check_report();
}
