/* listen.c: the syntax of a listen address, HOST:PORT or [V6]:PORT, for the
 * daemon's config (checked when the file is read, without resolving the
 * host; the server resolves it when it binds). */
#include <string.h>

#include "serve/serve.h"
#include "util/parse.h"

int serve_listen_check(const char *listen)
{
	const char *colon = strrchr(listen, ':');
	uint16_t port;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - listen)) == 0 || hl >= 256)
		return -1;
	if (listen[0] == '[' && (hl < 3 || listen[hl - 1] != ']'))
		return -1;
	return parse_port(colon + 1, &port);
}
