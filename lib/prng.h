/* A small seeded pseudo-random generator for things that must replay
 * exactly from a seed (fault injection, randomized tests): xoshiro256**
 * (Blackman and Vigna), with its state expanded from one 64-bit seed by
 * splitmix64. Not for secrets: use plat_entropy() or the random device. */
#ifndef SYNTH_LIB_PRNG_H
#define SYNTH_LIB_PRNG_H

#include <stdint.h>

struct prng {
	uint64_t s[4];
};

/* One step of splitmix64: advances *x and returns a well-mixed value.
 * Also useful on its own to derive independent seeds from one seed. */
static inline uint64_t prng_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Every seed (0 included) gives a valid, distinct state: splitmix64 never
 * yields four zero words in a row. */
static inline void prng_seed(struct prng *p, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		p->s[i] = prng_splitmix64(&seed);
}

static inline uint64_t prng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t prng_next(struct prng *p)
{
	uint64_t *s = p->s;
	uint64_t result = prng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = prng_rotl(s[3], 45);
	return result;
}

/* A value in [0, bound) (bound > 0), by multiply-and-shift on the top 32
 * bits: unbiased enough for probabilities, and one draw per call so that
 * streams stay aligned whatever the bound. */
static inline uint32_t prng_below(struct prng *p, uint32_t bound)
{
	return (uint32_t)(((prng_next(p) >> 32) * (uint64_t)bound) >> 32);
}

#endif
