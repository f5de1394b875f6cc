/* fuzz_decode.c: libFuzzer target for the kernel-record decoders (any bytes
 * a ring buffer could hand over). `make fuzz` builds and runs it briefly. */
#include <stdint.h>
#include <string.h>

#include "model/proctree.h"
#include "pipeline/pipeline.h"
#include "decode/decode.h"
#include "policy/policy.h"

/* The session has exec rules, so policy.violation records decode too. */
static const char POLICY[] = "exec:\n  deny:\n    - argv: [git, push, \"**\"]\n"
			     "    - path: /usr/bin/sudo\n      effect: kill\n"
			     "    - argv: [rm, \"**\"]\n      mode: audit\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pipeline p;
	static struct proctree t;
	static struct session s;
	static struct policy pol;
	char err[512];
	static struct decode_ctx c;
	static struct record r;
	static int init;
	char buf[65536] __attribute__((aligned(8)));

	if (!init) {
		pipeline_init(&p, 4, 0);
		proctree_init(&t);
		session_init(&s, "a", "p");
		s.key = 1; /* a key inputs can name */
		if (!policy_load_string("fuzz.yaml", POLICY, sizeof(POLICY) - 1, &pol, err,
					sizeof(err)))
			s.policy = &pol;
		pipeline_add_session(&p, &s);
		c.sessions = &p.sessions;
		c.procs = &t;
		record_init(&r);
		init = 1;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size); /* the ring buffer hands over aligned records */
	record_reset(&r);
	decode_event(&c, buf, size, &r);
	return 0;
}
