/* assets.h: the web UI's files, built by `make` (web/, Vite) and compiled
 * into the binary (scripts/embed-web.py): served by exact path only. */
#ifndef PROCTOR_SERVE_ASSETS_H
#define PROCTOR_SERVE_ASSETS_H
#include <stddef.h>

struct web_asset {
	const char *path, *type;
	const unsigned char *data;
	size_t len;
};

/* Terminated by an entry with path NULL. */
extern const struct web_asset web_assets[];

#endif
