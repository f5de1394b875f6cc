/* shquote.c: joins an argv into a shell-style command line (see shquote.h). */
#include "util/shquote.h"

#include <string.h>

static int needs_quotes(const char *a)
{
	if (!*a)
		return 1;
	for (; *a; a++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			    "-_./=:,+@%",
			    *a))
			return 1;
	return 0;
}

int sh_join_argv(struct strbuf *out, const char *const *argv, size_t n)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		const char *a = argv[i];
		if (i)
			rc |= sb_putc(out, ' ');
		if (!needs_quotes(a)) {
			rc |= sb_puts(out, a);
			continue;
		}
		rc |= sb_putc(out, '\'');
		for (; *a; a++)
			rc |= *a == '\'' ? sb_puts(out, "'\\''") : sb_putc(out, *a);
		rc |= sb_putc(out, '\'');
	}
	return rc ? -1 : 0;
}
