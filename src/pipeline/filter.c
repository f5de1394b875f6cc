/* filter.c: per-sink include/exclude matching of records. */
#include "pipeline/filter.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "model/severity.h"

static const char *const list_names[FL_MAX] = {"types", "agents", "projects", "paths"};

struct sink_filter *filter_new(void)
{
	return calloc(1, sizeof(struct sink_filter));
}

static void set_free(struct filter_set *fs)
{
	size_t i, j;
	for (i = 0; i < FL_MAX; i++) {
		for (j = 0; j < fs->n[i]; j++)
			free(fs->pat[i][j]);
		free(fs->pat[i]);
	}
}

void filter_free(struct sink_filter *f)
{
	if (!f)
		return;
	set_free(&f->include);
	set_free(&f->exclude);
	free(f);
}

int filter_add(struct filter_set *fs, enum filter_list which, const char *glob)
{
	char **np = realloc(fs->pat[which], (fs->n[which] + 1) * sizeof(char *));
	if (!np)
		return -1;
	fs->pat[which] = np;
	if (!(np[fs->n[which]] = strdup(glob)))
		return -1;
	fs->n[which]++;
	return 0;
}

int filter_list_parse(const char *name)
{
	int i;
	for (i = 0; i < FL_MAX; i++)
		if (!strcmp(name, list_names[i]))
			return i;
	return -1;
}

static bool any_glob(char *const *pats, size_t n, const char *s)
{
	size_t i;
	for (i = 0; s && i < n; i++)
		if (!fnmatch(pats[i], s, 0))
			return true;
	return false;
}

/* Does list `which` of fs match r? *applies is false when the record has
 * nothing the list could look at (paths on a non-file record). */
static bool list_match(const struct filter_set *fs, enum filter_list which, const struct record *r,
		       bool *applies)
{
	char *const *p = fs->pat[which];
	size_t n = fs->n[which];
	const char *a, *b;

	*applies = true;
	switch (which) {
	case FL_TYPES:
		return any_glob(p, n, r->type_name ? r->type_name : record_get_str(r, "type"));
	case FL_AGENTS: return any_glob(p, n, record_get_str(r, "agent"));
	case FL_PROJECTS: return any_glob(p, n, record_get_str(r, "project"));
	case FL_PATHS:
		a = record_get_str(r, "file.path");
		b = record_get_str(r, "file.target_path");
		*applies = a || b;
		return any_glob(p, n, a) || any_glob(p, n, b);
	default: return false;
	}
}

bool filter_match(const struct sink_filter *f, const struct record *r)
{
	bool applies;
	int i;

	if (!f)
		return true;
	if (f->min_severity > 0 && (int)record_severity_field(r) < f->min_severity)
		return false;
	for (i = 0; i < FL_MAX; i++) {
		if (f->include.n[i] && !list_match(&f->include, i, r, &applies) && applies)
			return false;
		if (f->exclude.n[i] && list_match(&f->exclude, i, r, &applies))
			return false;
	}
	return true;
}
