/* floor.c: load and attach floor.bpf.c until SIGTERM/SIGINT. Argument "enter"
 * or "exit" attaches only that side. Prints "attached" when ready. */
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct floor_bpf *s = floor_bpf__open_and_load();

	if (!s)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "enter"))
		bpf_program__set_autoattach(s->progs.floor_exit, false);
	if (argc > 1 && !strcmp(argv[1], "exit"))
		bpf_program__set_autoattach(s->progs.floor_enter, false);
	if (floor_bpf__attach(s)) {
		floor_bpf__destroy(s);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	floor_bpf__destroy(s);
	return 0;
}
