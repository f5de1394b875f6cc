#!/bin/sh
# findgrep.sh TREE: the "find + grep" workload, what an agent does to orient
# itself in a source tree: name searches, content searches, a few pipelines
# (three passes, so the run is long enough to time well).
set -e
cd "$1"
for pass in 1 2 3; do
	find . -name '*.c' | wc -l >/dev/null
	find . -type f -newer mod00 -name 'file*' | wc -l >/dev/null
	for p in 'kernel cgroup' 'sigma tau' 'acc \^= acc' 'return acc' 'omega_[a-z]*_1[0-9]'; do
		grep -rn "$p" . | wc -l >/dev/null
	done
	find . -name '*.c' -print0 | xargs -0 grep -l 'buffer record' | wc -l >/dev/null
	find . -path '*sub3*' -name '*.c' -exec grep -c 'for (size_t' {} + >/dev/null
	grep -rl 'int delta_' . | head -20 | xargs wc -l >/dev/null
done
