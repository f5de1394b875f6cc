/* decode_fixture.h: what the decoder unit tests share: a pipeline with one
 * session, a process table, a decode context and a record, plus a buffer to
 * build synthetic kernel records in. Include after cmocka.h. */
#ifndef TEST_DECODE_FIXTURE_H
#define TEST_DECODE_FIXTURE_H
#include <string.h>

#include "model/proctree.h"
#include "pipeline/pipeline.h"
#include "decode/decode.h"

struct fixture {
	struct pipeline p;
	struct proctree t;
	struct session s;
	struct decode_ctx c;
	struct record r;
	char buf[8192] __attribute__((aligned(8)));
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	pipeline_init(&f.p, 16, 0);
	proctree_init(&f.t);
	session_init(&f.s, "claude", "shop");
	pipeline_add_session(&f.p, &f.s);
	f.c.sessions = &f.p.sessions;
	f.c.procs = &f.t;
	f.c.host = "h";
	record_init(&f.r);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	record_free(&f->r);
	proctree_free(&f->t);
	pipeline_destroy(&f->p);
	return 0;
}

#endif
