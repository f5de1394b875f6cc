/* prices.c: the price table (prices.h): parsed whole or refused whole. */
#include "llm/prices.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "proctor-llm-prices 1"

static int fail(struct llm_prices *p, char *err, size_t errlen, const char *name, int line,
		const char *why)
{
	p->n = 0;
	snprintf(err, errlen, "%s:%d: %s", name, line, why);
	return -1;
}

/* A price: a finite number, 0 <= x < 1e6 (USD per million tokens). */
static int read_price(const char **s, double *out)
{
	char *end;
	double v;

	*s += strspn(*s, " \t");
	errno = 0;
	v = strtod(*s, &end);
	if (end == *s || errno || !isfinite(v) || v < 0 || v >= 1e6 || !strchr(" \t", *end))
		return -1;
	*out = v;
	*s = end;
	return 0;
}

/* One entry line (NUL-terminated, no newline). */
static const char *parse_entry(struct llm_price *x, const char *s)
{
	size_t n;

	n = strcspn(s, " \t");
	if (n == 0 || n >= sizeof(x->glob))
		return n ? "model glob longer than 127 bytes" : "missing model glob";
	memcpy(x->glob, s, n);
	x->glob[n] = 0;
	s += n;
	if (read_price(&s, &x->input) || read_price(&s, &x->output) ||
	    read_price(&s, &x->cache_read) || read_price(&s, &x->cache_write))
		return "want MODEL-GLOB INPUT OUTPUT CACHE-READ CACHE-WRITE (USD per million "
		       "tokens, 0 to 999999)";
	s += strspn(s, " \t");
	return *s ? "unexpected text after the four prices" : NULL;
}

int llm_prices_parse(struct llm_prices *p, const char *text, size_t len, const char *name,
		     char *err, size_t errlen)
{
	char line[512];
	const char *why;
	size_t off = 0;
	int lineno = 0;

	p->n = 0;
	while (off < len) {
		size_t n = 0;
		while (off + n < len && text[off + n] != '\n')
			n++;
		lineno++;
		if (n >= sizeof(line) || memchr(text + off, 0, n))
			return fail(p, err, errlen, name, lineno, "line too long or not text");
		memcpy(line, text + off, n);
		line[n] = 0;
		if (n && line[n - 1] == '\r')
			line[n - 1] = 0;
		off += n + 1;
		if (lineno == 1) {
			if (strcmp(line, MAGIC))
				return fail(p, err, errlen, name, 1, "not a '" MAGIC "' file");
			continue;
		}
		if (!line[strspn(line, " \t")] || line[strspn(line, " \t")] == '#')
			continue;
		if (p->n == LLM_PRICES_MAX)
			return fail(p, err, errlen, name, lineno, "more than 256 models");
		if ((why = parse_entry(&p->v[p->n], line + strspn(line, " \t"))))
			return fail(p, err, errlen, name, lineno, why);
		p->n++;
	}
	if (!lineno)
		return fail(p, err, errlen, name, 1, "empty file");
	return 0;
}

int llm_prices_load(struct llm_prices *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	p->n = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(1 << 20);
	n = buf ? fread(buf, 1, 1 << 20, f) : 0;
	if (!buf || ferror(f) || !feof(f)) {
		snprintf(err, errlen, "%s: %s", path,
			 buf ? "unreadable or larger than 1 MiB" : "out of memory");
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = llm_prices_parse(p, buf, n, path, err, errlen);
	free(buf);
	return rc;
}

const struct llm_price *llm_price_find(const struct llm_prices *p, const char *model)
{
	int i;

	for (i = 0; model && *model && i < p->n; i++)
		if (!fnmatch(p->v[i].glob, model, 0))
			return &p->v[i];
	return NULL;
}

static double tokens(int64_t n)
{
	return n > 0 ? (double)n : 0;
}

double llm_call_cost(const struct llm_price *x, const struct llm_call *c)
{
	double in = tokens(c->in_tok), cached = tokens(c->cache_read), usd;

	if (c->in_tok < 0 && c->out_tok < 0)
		return -1;
	if (c->provider == LLM_OPENAI) /* input_tokens count the cached ones */
		in = in > cached ? in - cached : 0;
	usd = in * x->input + tokens(c->out_tok) * x->output + cached * x->cache_read +
	      tokens(c->cache_create) * x->cache_write;
	return round(usd * 1000) / 1e9; /* usd is in millionths: USD to 1e-9 */
}
