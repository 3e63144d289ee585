/* Minimal assertions for the hosted unit tests: each failure prints
 * file:line and the values involved on stderr, counting continues, and
 * check_report() prints "test_x: N checks, M failed" and yields the exit
 * status (0 when nothing failed). One test program per tests/unit/test_*.c. */
#ifndef SYNTH_TESTS_UNIT_CHECK_H
#define SYNTH_TESTS_UNIT_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned long check_count, check_failed;

static inline void check_fail_at(const char *file, int line)
{
	check_failed++;
	fprintf(stderr, "%s:%d: check failed: ", file, line);
}

#define CHECK(cond)                                                   \
	do {                                                          \
		check_count++;                                        \
		if (!(cond)) {                                        \
			check_fail_at(__FILE__, __LINE__);            \
			fprintf(stderr, "%s\n", #cond);               \
		}                                                     \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
	do {                                                                               \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);           \
		check_count++;                                                             \
		if (check_a_ != check_b_) {                                                \
			check_fail_at(__FILE__, __LINE__);                                 \
			fprintf(stderr, "%s == %s: %lld != %lld\n", #a, #b, check_a_, check_b_); \
		}                                                                          \
	} while (0)

#define CHECK_EQ_UINT(a, b)                                                                  \
	do {                                                                                 \
		unsigned long long check_a_ = (unsigned long long)(a),                       \
		                   check_b_ = (unsigned long long)(b);                       \
		check_count++;                                                               \
		if (check_a_ != check_b_) {                                                  \
			check_fail_at(__FILE__, __LINE__);                                   \
			fprintf(stderr, "%s == %s: %llu != %llu\n", #a, #b, check_a_, check_b_); \
		}                                                                            \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                       \
	do {                                                                                     \
		const char *check_a_ = (a), *check_b_ = (b);                                     \
		check_count++;                                                                   \
		if (!check_a_ || !check_b_ ? check_a_ != check_b_ : strcmp(check_a_, check_b_)) { \
			check_fail_at(__FILE__, __LINE__);                                       \
			fprintf(stderr, "%s == %s: \"%s\" != \"%s\"\n", #a, #b,                  \
			        check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");  \
		}                                                                                \
	} while (0)

static inline void check_hexdump(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n && i < 64; i++)
		fprintf(stderr, "%02x", b[i]);
	fprintf(stderr, n > 64 ? "...\n" : "\n");
}

#define CHECK_EQ_MEM(a, b, n)                                                    \
	do {                                                                     \
		const void *check_a_ = (a), *check_b_ = (b);                     \
		size_t check_n_ = (n);                                           \
		check_count++;                                                   \
		if (memcmp(check_a_, check_b_, check_n_)) {                      \
			check_fail_at(__FILE__, __LINE__);                       \
			fprintf(stderr, "%s == %s (%zu bytes):\n  ", #a, #b, check_n_); \
			check_hexdump(check_a_, check_n_);                       \
			fprintf(stderr, "  ");                                   \
			check_hexdump(check_b_, check_n_);                       \
		}                                                                \
	} while (0)

/* The test's name: its main source file without folder and ".c". */
static inline int check_report(void)
{
	const char *name = __BASE_FILE__, *slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	int len = (int)strlen(name);
	if (len > 2 && !strcmp(name + len - 2, ".c"))
		len -= 2;
	fprintf(check_failed ? stderr : stdout, "%.*s: %lu checks, %lu failed\n", len, name, check_count,
	        check_failed);
	return check_failed ? 1 : 0;
}

#endif
