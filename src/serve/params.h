/* params.h: the API's parameter parsers, pure functions of the strings a
 * client sends (no connection, no store), shared by the handlers and the
 * libFuzzer target tests/fuzz/fuzz_api_params.c. Each returns 0, or -1 for
 * input the API answers with a 400 (the 414 of the query budget aside). */
#ifndef PROCTOR_SERVE_PARAMS_H
#define PROCTOR_SERVE_PARAMS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_QUERY_MAX 2048 /* bytes of query arguments, keys and values */

/* A decimal integer 0..INT64_MAX (pid, limit). */
int api_parse_count(const char *v, int64_t *out);
/* RFC 3339 (2026-12-07T00:00:00Z) or nanoseconds since the epoch. */
int api_parse_time(const char *v, int64_t *out);
/* "TIME_ID" (both decimal) as the API returns in next_cursor. */
int api_parse_cursor(const char *v, int64_t *time_ns, int64_t *id);
/* The token of an Authorization header "Bearer TOKEN" (scheme in any case);
 * NULL for anything else. */
const char *api_bearer_token(const char *authorization);
/* A path below /api/v1/ of the form "sessions/ID[/REST]": the id (letters,
 * digits, '-', '_', '.', not starting with '.', at most 64) into id and
 * the part after its slash (or NULL when there is none) into *rest. */
int api_session_path(const char *path, char id[65], const char **rest);

/* The query string seen one argument at a time: unknown names and the byte
 * budget (API_QUERY_MAX) are checked once all arguments were added. */
struct api_args {
	const char *const *names; /* the route's known names, NULL-terminated */
	const char *unknown;	  /* the first argument not among them */
	size_t bytes;
};
void api_args_add(struct api_args *a, const char *key, const char *value);
bool api_args_too_long(const struct api_args *a);

#endif
