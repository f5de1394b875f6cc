// Credentials are per thread in the kernel: a worker thread changes only
// its own ids with a raw setresuid syscall (glibc's wrapper would change
// every thread). The main thread stays root: its later setresuid(0,0,0)
// still succeeds and starts from uid=0.
// build: -lpthread
// expect: {"type": "security.privilege", "privilege.operation": "setresuid", "privilege.from": "uid=0", "privilege.to": "uid=1001", "privilege.requested": "ruid=1001,euid=1001,suid=1001", "event.outcome": "success", "process.user.id": 1001}
// expect: {"type": "security.privilege", "privilege.operation": "setresuid", "privilege.from": "uid=0", "privilege.to": "uid=0", "privilege.requested": "ruid=0,euid=0,suid=0", "event.outcome": "success", "process.user.id": 0}
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *worker(void *arg)
{
	(void)arg;
	syscall(SYS_setresuid, 1001, 1001, 1001);
	return 0;
}

int main(void)
{
	pthread_t t;

	pthread_create(&t, 0, worker, 0);
	pthread_join(t, 0);
	syscall(SYS_setresuid, 0, 0, 0);
	return 0;
}
