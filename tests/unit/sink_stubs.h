/* sink_stubs.h: weak stand-ins for the local sinks so unit tests of the
 * pipeline link without SQLite/JSONL objects; real ones win when linked. */
#ifndef TEST_SINK_STUBS_H
#define TEST_SINK_STUBS_H
#include "sinks/sink.h"

static int stub_open(struct sink *s, const char *rest, char *err, size_t errlen)
{
	(void)s;
	(void)rest;
	snprintf(err, errlen, "not linked in this test");
	return -1;
}
__attribute__((weak))
const struct sink_ops sqlite_sink_ops = {.scheme = "sqlite", .open = stub_open};
__attribute__((weak)) const struct sink_ops jsonl_sink_ops = {.scheme = "jsonl", .open = stub_open};
#endif
