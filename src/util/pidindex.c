/* pidindex.c: processes sorted by (pid, born, index), searched by bisection. */
#include "util/pidindex.h"

#include <stdlib.h>

static int cmp_entry(const void *a, const void *b)
{
	const struct pid_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->born != y->born)
		return x->born < y->born ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int pid_index_build(struct pid_index *ix, size_t n, int64_t (*pid_of)(const void *, size_t),
		    int64_t (*born_of)(const void *, size_t), const void *ctx)
{
	size_t i;

	ix->n = 0;
	if (!(ix->e = malloc((n ? n : 1) * sizeof(*ix->e))))
		return -1;
	for (i = 0; i < n; i++)
		ix->e[i] = (struct pid_entry){pid_of(ctx, i), born_of(ctx, i), i};
	qsort(ix->e, n, sizeof(*ix->e), cmp_entry);
	ix->n = n;
	return 0;
}

void pid_index_free(struct pid_index *ix)
{
	free(ix->e);
	ix->e = NULL;
	ix->n = 0;
}

long pid_index_find(const struct pid_index *ix, int64_t pid, int64_t before, size_t not )
{
	size_t lo = 0, hi = ix->n;

	/* the first entry after (pid, before): everything before it is <= */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pid_entry *m = &ix->e[mid];
		if (m->pid < pid || (m->pid == pid && m->born <= before))
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo-- > 0 && ix->e[lo].pid == pid)
		if (ix->e[lo].idx != not )
			return (long)ix->e[lo].idx;
	return -1;
}
