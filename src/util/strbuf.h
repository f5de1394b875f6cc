/* strbuf.h: a growable byte buffer for building JSON, SQL and wire payloads. */
#ifndef PROCTOR_STRBUF_H
#define PROCTOR_STRBUF_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		0                                                                                  \
	}

int sb_grow(struct strbuf *sb, size_t extra);
int sb_append(struct strbuf *sb, const void *data, size_t n);
int sb_puts(struct strbuf *sb, const char *s);
/* One byte; inline: JSON building calls it for every delimiter. */
static inline int sb_putc(struct strbuf *sb, char c)
{
	if (sb->len + 2 > sb->cap && sb_grow(sb, 1))
		return -1;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
	return 0;
}
/* A signed decimal integer (what "%" PRId64 prints), without printf. */
int sb_put_i64(struct strbuf *sb, int64_t v);
int sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON string literal with quotes; invalid UTF-8 bytes become U+FFFD. */
int sb_json_str(struct strbuf *sb, const char *s);
int sb_json_strn(struct strbuf *sb, const char *s, size_t n);
/* s for a terminal: control bytes as \n, \r, \t or \xNN, invalid UTF-8
 * bytes as \xNN, C1 controls and bidirectional/line-separator code points
 * as \u{XXXX}; printable text (any script) as is. No output of it can
 * start a line or move the cursor. */
int sb_put_visible(struct strbuf *sb, const char *s, size_t n);
/* sb reset to the visible form of s (NULL: ""); returns sb_cstr(sb). */
const char *sb_visible(struct strbuf *sb, const char *s);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);
/* NUL-terminated view (always valid, even when empty). */
const char *sb_cstr(struct strbuf *sb);

#endif
