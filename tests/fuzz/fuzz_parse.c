/* fuzz_parse.c: libFuzzer target for the value parsers (util/parse.h) and
 * the visible escaper of human output (sb_put_visible): no crash, and the
 * escaped text never holds a control byte or a C1/bidi code point. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct strbuf sb = STRBUF_INIT;
	uint64_t u;
	uint16_t port;
	int i;
	size_t k;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	parse_u64(s, &u);
	parse_int(s, &i);
	parse_duration_ns(s, &u);
	parse_size(s, &u);
	if (parse_port(s, &port) == 0 && port == 0)
		abort();
	sb_put_visible(&sb, (const char *)data, size);
	for (k = 0; k < sb.len; k++) {
		unsigned char c = (unsigned char)sb.buf[k];
		if (c < 0x20 || c == 0x7f)
			abort();
		if (c == 0xc2 && k + 1 < sb.len && (unsigned char)sb.buf[k + 1] < 0xa0)
			abort(); /* U+0080..U+009F */
		if (c == 0xe2 && k + 2 < sb.len && (unsigned char)sb.buf[k + 1] == 0x80 &&
		    (unsigned char)sb.buf[k + 2] >= 0xa8 && (unsigned char)sb.buf[k + 2] <= 0xae)
			abort(); /* U+2028..U+202E */
	}
	sb_free(&sb);
	free(s);
	return 0;
}
