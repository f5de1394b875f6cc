/* strbuf.c: growable buffer and JSON string escaping. */
#include "util/strbuf.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1, cap;
	char *nb;

	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	nb = realloc(sb->buf, cap);
	if (!nb)
		return -1;
	sb->buf = nb;
	sb->cap = cap;
	return 0;
}

int sb_append(struct strbuf *sb, const void *data, size_t n)
{
	if (sb_grow(sb, n))
		return -1;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
	return 0;
}

int sb_puts(struct strbuf *sb, const char *s)
{
	return sb_append(sb, s, strlen(s));
}

int sb_put_i64(struct strbuf *sb, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	return sb_append(sb, p, (size_t)(tmp + sizeof(tmp) - p));
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_grow(sb, (size_t)n))
		return -1;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Bytes copied as they are inside a JSON string: printable ASCII except
 * the quote and the backslash. */
static bool json_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

int sb_json_strn(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, l;

	if (sb_grow(sb, n + 2))
		return -1;
	sb_putc(sb, '"');
	while (i < n) {
		unsigned char c = s[i];
		for (run = i; run < n && json_plain(s[run]); run++)
			;
		if (run > i) {
			sb_append(sb, s + i, run - i);
			i = run;
			continue;
		}
		if (c == '"' || c == '\\') {
			sb_putc(sb, '\\');
			sb_putc(sb, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': sb_puts(sb, "\\n"); break;
			case '\r': sb_puts(sb, "\\r"); break;
			case '\t': sb_puts(sb, "\\t"); break;
			default: sb_printf(sb, "\\u%04x", c); break;
			}
			i++;
		} else if ((l = utf8_seq_len(s + i, n - i)) > 0) {
			sb_append(sb, s + i, l);
			i += l;
		} else {
			sb_puts(sb, "\\ufffd");
			i++;
		}
	}
	return sb_putc(sb, '"');
}

/* A code point that moves the cursor or reorders text: C1 controls, line
 * and paragraph separators, bidirectional marks, overrides and isolates. */
static bool invisible_cp(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

static unsigned utf8_cp(const unsigned char *s, size_t len)
{
	unsigned cp = len == 2 ? s[0] & 0x1f : len == 3 ? s[0] & 0x0f : s[0] & 0x07;
	size_t i;

	for (i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

int sb_put_visible(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, l;

	if (sb_grow(sb, n + 1))
		return -1;
	sb->buf[sb->len] = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x7f) {
			sb_putc(sb, (char)c);
			i++;
		} else if (c < 0x80) {
			switch (c) {
			case '\n': sb_puts(sb, "\\n"); break;
			case '\r': sb_puts(sb, "\\r"); break;
			case '\t': sb_puts(sb, "\\t"); break;
			default: sb_printf(sb, "\\x%02x", c); break;
			}
			i++;
		} else if ((l = utf8_seq_len(s + i, n - i)) > 0) {
			unsigned cp = utf8_cp(s + i, l);
			if (invisible_cp(cp))
				sb_printf(sb, "\\u{%04x}", cp);
			else
				sb_append(sb, s + i, l);
			i += l;
		} else {
			sb_printf(sb, "\\x%02x", c);
			i++;
		}
	}
	return 0;
}

const char *sb_visible(struct strbuf *sb, const char *s)
{
	sb_reset(sb);
	if (s)
		sb_put_visible(sb, s, strlen(s));
	return sb_cstr(sb);
}

int sb_json_str(struct strbuf *sb, const char *s)
{
	return sb_json_strn(sb, s ? s : "", s ? strlen(s) : 0);
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

const char *sb_cstr(struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
