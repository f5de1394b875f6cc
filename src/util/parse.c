/* parse.c: strict parsers of integers, durations, sizes and ports (see
 * parse.h). Digits are read by hand so that nothing strtod or strtoull
 * accept on the side (spaces, signs, "inf", "0x", "1e9") gets through. */
#include "util/parse.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Leading decimal digits of s into *v; *end after them. -EINVAL without a
 * digit, -ERANGE on overflow. */
static int digits(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(x, 10, &x) || __builtin_add_overflow(x, *p - '0', &x))
			return -ERANGE;
	if (p == s)
		return -EINVAL;
	*v = x;
	*end = p;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int rc;

	if (!s || (rc = digits(s, &v, &end)))
		return s ? rc : -EINVAL;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_int(const char *s, int *out)
{
	bool neg = s && *s == '-';
	uint64_t v;
	int rc;

	if ((rc = parse_u64(s ? s + neg : s, &v)))
		return rc;
	if (v > (uint64_t)2147483647 + neg)
		return -ERANGE;
	*out = neg ? (int)-(int64_t)v : (int)v;
	return 0;
}

struct unit {
	const char *name;
	uint64_t mult;
};

static int scaled(const char *s, const struct unit *units, uint64_t none, bool fraction,
		  uint64_t *out)
{
	uint64_t whole, frac = 0, fdiv = 1, mult = 0, v;
	const char *p;
	int rc, i;

	if (!s || (rc = digits(s, &whole, &p)))
		return s ? rc : -EINVAL;
	if (fraction && *p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (fdiv < 1000000000000ULL) { /* 12 digits are plenty */
				frac = frac * 10 + (uint64_t)(*p - '0');
				fdiv *= 10;
			}
		if (p[-1] == '.')
			return -EINVAL;
	}
	if (!*p)
		mult = none;
	for (i = 0; !mult && units[i].name; i++)
		if (!strcmp(p, units[i].name))
			mult = units[i].mult;
	if (!mult)
		return -EINVAL;
	if (__builtin_mul_overflow(whole, mult, &v))
		return -ERANGE;
	/* frac / fdiv of a unit, rounded down (exact for ms of s and the like) */
	if (frac &&
	    __builtin_add_overflow(v, (uint64_t)((double)frac / (double)fdiv * (double)mult), &v))
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_duration_ns(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{"ns", 1ULL},
		{"us", 1000ULL},
		{"ms", 1000000ULL},
		{"s", 1000000000ULL},
		{"m", 60000000000ULL},
		{"h", 3600000000000ULL},
		{"d", 86400000000000ULL},
		{0},
	};
	return scaled(s, units, 1000000000ULL, true, out);
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{"B", 1ULL},	    {"k", 1ULL << 10},	 {"K", 1ULL << 10},
		{"KB", 1ULL << 10}, {"KiB", 1ULL << 10}, {"M", 1ULL << 20},
		{"MB", 1ULL << 20}, {"MiB", 1ULL << 20}, {"G", 1ULL << 30},
		{"GB", 1ULL << 30}, {"GiB", 1ULL << 30}, {"T", 1ULL << 40},
		{"TB", 1ULL << 40}, {"TiB", 1ULL << 40}, {0},
	};
	return scaled(s, units, 1, false, out);
}

int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;
	int rc;

	if ((rc = parse_u64(s, &v)))
		return rc;
	if (v == 0 || v > 65535)
		return -ERANGE;
	*out = (uint16_t)v;
	return 0;
}
