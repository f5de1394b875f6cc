/* params.c: the API's parameter parsers (params.h). */
#include "serve/params.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"
#include "util/util.h"

int api_parse_count(const char *v, int64_t *out)
{
	uint64_t u;

	if (parse_u64(v, &u) || u > INT64_MAX)
		return -1;
	*out = (int64_t)u;
	return 0;
}

int api_parse_time(const char *v, int64_t *out)
{
	uint64_t u;

	if ((parse_u64(v, &u) && parse_rfc3339(v, &u)) || u > INT64_MAX)
		return -1;
	*out = (int64_t)u;
	return 0;
}

/* Digits only, no sign or space, so that one cursor has one spelling. */
int api_parse_cursor(const char *v, int64_t *time_ns, int64_t *id)
{
	const char *sep = strchr(v, '_');
	char t[24];
	size_t n;

	if (!sep || (n = (size_t)(sep - v)) >= sizeof(t))
		return -1;
	memcpy(t, v, n);
	t[n] = 0;
	return api_parse_count(t, time_ns) || api_parse_count(sep + 1, id) ? -1 : 0;
}

const char *api_bearer_token(const char *h)
{
	if (!h || strncasecmp(h, "Bearer ", 7) || !h[7])
		return NULL;
	return h + 7;
}

static bool valid_id(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 64 || s[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '-' || s[i] == '_' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

int api_session_path(const char *path, char id[65], const char **rest)
{
	const char *slash;
	size_t n;

	if (strncmp(path, "sessions/", 9))
		return -1;
	path += 9;
	slash = strchr(path, '/');
	n = slash ? (size_t)(slash - path) : strlen(path);
	if (!valid_id(path, n))
		return -1;
	memcpy(id, path, n);
	id[n] = 0;
	*rest = slash ? slash + 1 : NULL;
	return 0;
}

void api_args_add(struct api_args *a, const char *key, const char *value)
{
	size_t i;
	bool known = false;

	a->bytes += strlen(key) + (value ? strlen(value) : 0) + 2;
	for (i = 0; a->names && a->names[i]; i++)
		known |= !strcmp(a->names[i], key);
	if (!known && !a->unknown)
		a->unknown = key;
}

bool api_args_too_long(const struct api_args *a)
{
	return a->bytes > API_QUERY_MAX;
}
