/* session.c: session identity and the table of sessions being recorded. */
#include "model/session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "proctor/abi_auto.h"
#include "util/util.h"

void session_init(struct session *s, const char *agent, const char *project)
{
	uint64_t rnd = 0;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[20];

	memset(s, 0, sizeof(*s));
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = now_monotonic_ns() ^ ((uint64_t)getpid() << 32);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(s->id, sizeof(s->id), "%s-%06llx", stamp, (unsigned long long)(rnd & 0xffffff));
	s->key = (rnd | 1) & ~PR_AUTO_KEY_BIT; /* never 0, never a kernel-made key */
	snprintf(s->agent, sizeof(s->agent), "%s", agent ? agent : "");
	snprintf(s->project, sizeof(s->project), "%s", project ? project : "");
	gethostname(s->host, sizeof(s->host) - 1);
	s->start_ns = now_realtime_ns();
	snprintf(s->origin, sizeof(s->origin), "run");
	s->exit_code = -1;
}

int session_add(struct session_table *t, struct session *s)
{
	if (t->n >= SESSION_TABLE_MAX) {
		t->refused++;
		return -ENOSPC;
	}
	t->s[t->n++] = s;
	return 0;
}

void session_remove(struct session_table *t, const struct session *s)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->s[i] == s) {
			t->s[i] = t->s[--t->n];
			return;
		}
}

struct session *session_find(const struct session_table *t, uint64_t key)
{
	size_t i;

	if (t)
		for (i = 0; i < t->n; i++)
			if (t->s[i]->key == key)
				return t->s[i];
	return NULL;
}
