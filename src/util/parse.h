/* parse.h: the one parser of the numbers users type: integers, durations,
 * sizes and ports. Digits only (no sign, no spaces, no hex, no exponent, no
 * inf or nan); anything that overflows is refused, never wrapped or
 * clamped. Each returns 0, -EINVAL (not such a value) or -ERANGE (too big). */
#ifndef PROCTOR_UTIL_PARSE_H
#define PROCTOR_UTIL_PARSE_H
#include <stdint.h>

/* A decimal unsigned integer. */
int parse_u64(const char *s, uint64_t *out);
/* A decimal int, optionally negative. */
int parse_int(const char *s, int *out);
/* NUMBER[.FRACTION][UNIT], UNIT one of ns, us, ms, s, m, h, d; no unit is
 * seconds: "5s", "250ms", "1.5m", "2h". */
int parse_duration_ns(const char *s, uint64_t *out);
/* NUMBER[UNIT], UNIT one of B, k/K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB (all
 * powers of 1024). */
int parse_size(const char *s, uint64_t *out);
/* 1..65535. */
int parse_port(const char *s, uint16_t *out);

#endif
