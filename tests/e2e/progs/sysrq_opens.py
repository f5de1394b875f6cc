"""sysrq_opens.py: open /proc/sysrq-trigger for write 300 times (15 child
processes x 20 flag sets, so the kernel folds none of them), 10 ms apart,
so that a 1/s rate limit's refills land on these opens. Writes its own pid
to argv[1] first. The opens may fail (no CONFIG_MAGIC_SYSRQ): proctor
records them, and derives a security.escape, either way."""
import os
import sys
import time

FLAGS = [os.O_WRONLY, os.O_RDWR]
EXTRA = [0, os.O_APPEND, os.O_CLOEXEC, os.O_NONBLOCK, os.O_NOCTTY, os.O_SYNC, os.O_DSYNC,
         os.O_APPEND | os.O_CLOEXEC, os.O_NOFOLLOW, os.O_NOATIME]

with open(sys.argv[1], "w") as f:
    f.write(str(os.getpid()))
for child in range(15):
    pid = os.fork()
    if pid == 0:
        for flags in FLAGS:
            for extra in EXTRA:
                try:
                    os.close(os.open("/proc/sysrq-trigger", flags | extra))
                except OSError:
                    pass
                time.sleep(0.01)
        os._exit(0)
    os.waitpid(pid, 0)
