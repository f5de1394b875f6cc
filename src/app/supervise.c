/* supervise.c: the recorder-loss supervisor (supervise.h). The child closes
 * every inherited descriptor but its end of the pipe (so it holds no BPF
 * object alive), leaves the terminal's session, ignores the signals a
 * terminal or a process group would send, and blocks in read(). A 'q' from
 * the recorder means a normal end; EOF alone means the recorder is gone. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/supervise.h"
#include "probe/cgroup.h"

static const char *const loss_names[] = {
	[LOSS_FREEZE] = "freeze",
	[LOSS_KILL] = "kill",
	[LOSS_CONTINUE] = "continue",
};

int recorder_loss_parse(const char *s, enum recorder_loss *out)
{
	size_t i;

	for (i = 0; i < sizeof(loss_names) / sizeof(loss_names[0]); i++)
		if (!strcmp(s, loss_names[i])) {
			*out = (enum recorder_loss)i;
			return 0;
		}
	return -1;
}

const char *recorder_loss_name(enum recorder_loss m)
{
	return loss_names[m];
}

/* The recorder is gone: stop the session. Messages go to the inherited
 * stderr, when there still is one. */
static void on_loss(const char *cg_abs, enum recorder_loss mode)
{
	int i;

	if (mode == LOSS_FREEZE) {
		if (cgroup_freeze(cg_abs, true) == 0) {
			fprintf(stderr,
				"proctor: recorder lost: froze %s (thaw: echo 0 > "
				"%s/cgroup.freeze)\n",
				cg_abs, cg_abs);
			return;
		}
		fprintf(stderr, "proctor: recorder lost: cannot freeze %s: %s; killing it\n",
			cg_abs, strerror(errno));
	}
	cgroup_kill(cg_abs);
	for (i = 0; i < 200 && cgroup_populated(cg_abs); i++)
		usleep(10000);
	fprintf(stderr, "proctor: recorder lost: killed %s\n", cg_abs);
	cgroup_remove(cg_abs);
}

static void supervisor_main(int rfd, const char *cg_abs, enum recorder_loss mode)
{
	static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
	sigset_t none;
	ssize_t n;
	size_t i;
	char c = 0;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	setsid();
	if (dup2(rfd, 3) < 0)
		_exit(1);
	syscall(SYS_close_range, 4, ~0u, 0);
	do
		n = read(3, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1 && c == 'q')
		_exit(0);
	on_loss(cg_abs, mode);
	_exit(0);
}

int supervise_start(struct supervisor *sv, const char *cg_abs, enum recorder_loss mode, char *err,
		    size_t errlen)
{
	int p[2];

	sv->pid = 0;
	sv->alive_fd = -1;
	if (mode == LOSS_CONTINUE)
		return 0;
	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, errlen, "supervisor pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stderr);
	sv->pid = fork();
	if (sv->pid < 0) {
		snprintf(err, errlen, "forking the supervisor: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		sv->pid = 0;
		return -1;
	}
	if (sv->pid == 0) {
		close(p[1]);
		supervisor_main(p[0], cg_abs, mode);
	}
	close(p[0]);
	sv->alive_fd = p[1];
	return 0;
}

void supervise_stop(struct supervisor *sv)
{
	if (sv->alive_fd >= 0) {
		(void)!write(sv->alive_fd, "q", 1);
		close(sv->alive_fd);
		sv->alive_fd = -1;
	}
	if (sv->pid > 0)
		waitpid(sv->pid, NULL, 0); /* ECHILD when the event loop reaped it */
	sv->pid = 0;
}
