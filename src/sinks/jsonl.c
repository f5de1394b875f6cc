/* jsonl.c: JSON lines, one event object per line, to a file (appended) or to
 * standard output ("jsonl:-"), flushed at every batch so a reader following
 * the stream sees events within one batch interval. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/sink.h"

struct jsonl_sink {
	FILE *f;
	bool is_stdout;
	struct strbuf line;
};

static int jsonl_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	struct jsonl_sink *j = calloc(1, sizeof(*j));

	if (!j)
		return -1;
	if (!strncmp(rest, "//", 2))
		rest += 2;
	if (!strcmp(rest, "-")) {
		j->f = stdout;
		j->is_stdout = true;
	} else if (!*rest || !(j->f = fopen(rest, "ae"))) {
		snprintf(err, errlen, "jsonl: cannot open '%s': %s", rest,
			 *rest ? strerror(errno) : "needs a path or -");
		free(j);
		return -1;
	}
	s->priv = j;
	return 0;
}

static int jsonl_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct jsonl_sink *j = s->priv;
	size_t i;

	for (i = 0; i < n; i++) {
		sb_reset(&j->line);
		record_to_json(recs[i], &j->line);
		sb_putc(&j->line, '\n');
		if (fwrite(j->line.buf, 1, j->line.len, j->f) != j->line.len)
			return -1;
	}
	return 0;
}

static int jsonl_flush(struct sink *s)
{
	struct jsonl_sink *j = s->priv;
	return fflush(j->f) ? -1 : 0;
}

static void jsonl_close(struct sink *s)
{
	struct jsonl_sink *j = s->priv;

	if (!j)
		return;
	if (j->is_stdout)
		fflush(j->f);
	else
		fclose(j->f);
	sb_free(&j->line);
	free(j);
	s->priv = NULL;
}

const struct sink_ops jsonl_sink_ops = {
	.scheme = "jsonl",
	.open = jsonl_open,
	.write = jsonl_write,
	.flush = jsonl_flush,
	.close = jsonl_close,
};
