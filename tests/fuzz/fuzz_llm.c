/* fuzz_llm.c: libFuzzer target for the LLM visibility parsers (src/llm:
 * HTTP/1.1 with chunked bodies, SSE, the providers' JSON) fed as tls.data
 * records. The input is a sequence of [ctl][len][bytes]: ctl picks the
 * direction (bit 0), the connection (bits 1-2), a kernel cut (bit 3) and a
 * process exit after the record (bit 4); len is the chunk's size (1-255). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "llm/llm.h"

static struct record rec;

static struct record *f_begin(void *ctx, const struct pr_hdr *h, uint16_t type, const char *name)
{
	(void)ctx;
	record_reset(&rec);
	record_begin(&rec, type, name, h->ts_ns);
	return &rec;
}

static void f_commit(void *ctx, struct record *r)
{
	struct strbuf sb = STRBUF_INIT;

	(void)ctx;
	record_to_json(r, &sb);
	sb_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct llm l;
	static int ready;
	struct llm_emit e = {f_begin, f_commit, NULL};
	char buf[sizeof(struct pr_tls_data) + 256];
	struct pr_tls_data *d = (void *)buf;
	size_t pos = 0;

	if (!ready) {
		record_init(&rec);
		ready = 1;
	}
	if (llm_init(&l, &e))
		return 0;
	while (pos + 2 <= size) {
		uint8_t ctl = data[pos], len = data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		memset(d, 0, sizeof(*d));
		d->hdr.type = PR_EV_TLS_DATA;
		d->hdr.pid = 1;
		d->hdr.ts_ns = pos;
		d->hdr.flags = (ctl & 1 ? PR_TLS_READ : 0) | (ctl & 8 ? PR_TLS_CUT : 0);
		d->conn = (ctl >> 1) & 3;
		d->total = d->len = len;
		d->lib = PR_TLS_LIB_OPENSSL;
		memcpy(d->data, data + pos, len);
		d->hdr.size = (uint32_t)(sizeof(*d) + len);
		llm_feed(&l, buf, sizeof(*d) + len);
		if (ctl & 16)
			llm_forget_pid(&l, 1);
		pos += len;
	}
	llm_free(&l);
	return 0;
}
