/* path.bpf.c: the one definition of the global path-walk function that
 * every family's put_path() calls (lib/path.h). */
#include "lib/path.h"

__noinline int path_put_global(__u64 path, __u32 off)
{
	struct pr_scratch *s = scratch_get();
	__u32 trunc = 0;
	int n;

	if (!s || !path)
		return 0;
	if (off > PR_SCRATCH_SIZE - PR_PATH_CAP)
		return 0x10000;
	n = read_path(s, soff(off), (const struct path *)path, &trunc);
	if (n < 0)
		n = 0;
	return (n & 0x1fff) | (trunc ? 0x10000 : 0);
}

char LICENSE[] SEC("license") = "GPL";
