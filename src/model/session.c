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

_Static_assert(SESSION_TABLE_MAX < 65535, "index slots are uint16_t");
_Static_assert((SESSION_INDEX_SIZE & (SESSION_INDEX_SIZE - 1)) == 0, "a power of two");

static size_t home(uint64_t key)
{
	key ^= key >> 33; /* the keys are random, but mix anyway (splitmix64's tail) */
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (size_t)key & (SESSION_INDEX_SIZE - 1);
}

/* The index slot holding key, or the empty slot where it would go. */
static size_t slot_of(const struct session_table *t, uint64_t key)
{
	size_t i = home(key);

	while (t->index[i] && t->s[t->index[i] - 1]->key != key)
		i = (i + 1) & (SESSION_INDEX_SIZE - 1);
	return i;
}

int session_add(struct session_table *t, struct session *s)
{
	if (t->n >= SESSION_TABLE_MAX) {
		t->refused++;
		return -ENOSPC;
	}
	t->s[t->n++] = s;
	t->index[slot_of(t, s->key)] = (uint16_t)t->n;
	return 0;
}

/* Empty slot i, then move back any entry after it that would no longer
 * be found (its home is not cyclically in (i, j]). */
static void index_delete(struct session_table *t, size_t i)
{
	size_t j = i, h;

	t->index[i] = 0;
	for (;;) {
		j = (j + 1) & (SESSION_INDEX_SIZE - 1);
		if (!t->index[j])
			return;
		h = home(t->s[t->index[j] - 1]->key);
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		t->index[i] = t->index[j];
		t->index[j] = 0;
		i = j;
	}
}

void session_remove(struct session_table *t, const struct session *s)
{
	size_t i = slot_of(t, s->key), pos, last = t->n - 1;

	if (!t->index[i] || t->s[t->index[i] - 1] != s)
		return;
	pos = t->index[i] - 1u;
	index_delete(t, i);
	if (pos != last) { /* the last one fills the hole */
		t->s[pos] = t->s[last];
		t->index[slot_of(t, t->s[pos]->key)] = (uint16_t)(pos + 1);
	}
	t->n--;
}

struct session *session_find(const struct session_table *t, uint64_t key)
{
	size_t i;

	if (!t || !t->n)
		return NULL;
	i = slot_of(t, key);
	return t->index[i] ? t->s[t->index[i] - 1] : NULL;
}
