/* filter.h: the per-sink Filter stage. A sink receives a record when it
 * matches every non-empty include list (event type, agent, project, path
 * glob, minimum severity) and no exclude list. Globs use fnmatch(3) without
 * FNM_PATHNAME, so "/etc/ *" (without the space) covers the whole tree. Path lists look at
 * file.path and file.target_path and leave records without a path alone. */
#ifndef PROCTOR_FILTER_H
#define PROCTOR_FILTER_H
#include <stdbool.h>
#include <stddef.h>

#include "model/record.h"

enum filter_list { FL_TYPES, FL_AGENTS, FL_PROJECTS, FL_PATHS, FL_MAX };

struct filter_set {
	char **pat[FL_MAX];
	size_t n[FL_MAX];
};

struct sink_filter {
	struct filter_set include, exclude;
	int min_severity; /* enum severity; 0 = everything */
};

struct sink_filter *filter_new(void);
void filter_free(struct sink_filter *f);
int filter_add(struct filter_set *fs, enum filter_list which, const char *glob);
/* List name in the config ("types", "agents", "projects", "paths"); -1 if unknown. */
int filter_list_parse(const char *name);
bool filter_match(const struct sink_filter *f, const struct record *r);

#endif
