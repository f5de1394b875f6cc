# Opens that matter for escapes: /proc/sys writes (core_pattern), /proc/*/mem,
# container runtime sockets and the host root through /proc/1/root. Each
# file.open carries file.sensitive_category (on success, the requested
# /proc/1/root/... name classifies the open even though file.path is the
# resolved file).
# expect: {"type": "file.open", "file.path": "/proc/sys/kernel/core_pattern", "file.access": "write", "file.sensitive_category": "procsys"}
# expect: {"type": "file.open", "file.path": "~^/proc/[0-9]+/mem$", "file.sensitive_category": "procsys"}
# expect: {"type": "file.open", "file.path": "$WORK/run/docker.sock", "event.outcome": "failure", "file.sensitive_category": "container"}
# expect: {"type": "file.open", "file.path": "~^/proc/1/root/etc/hostname$|^/etc/hostname$", "file.sensitive_category": "container"}
# expect: {"type": "file.open", "file.path": "$WORK/cg/release_agent", "file.sensitive_category": "container"}
# expect-not: {"type": "file.open", "file.path": "/etc/hostname", "process.name": "python3", "file.sensitive_category": "procsys"}
# Each of those opens is also a security.escape in its category:
# expect: {"type": "security.escape", "escape.category": "procsys", "file.path": "/proc/sys/kernel/core_pattern", "escape.detail": "open /proc/sys/kernel/core_pattern for write", "escape.derived_from": "file.open"}
# expect: {"type": "security.escape", "escape.category": "procsys", "file.path": "~^/proc/[0-9]+/mem$"}
# expect: {"type": "security.escape", "escape.category": "container", "file.path": "$WORK/run/docker.sock", "event.outcome": "failure", "error.code": "ENOENT"}
# expect: {"type": "security.escape", "escape.category": "container", "file.path": "$WORK/cg/release_agent"}
import os

os.close(os.open("/proc/sys/kernel/core_pattern", os.O_WRONLY))  # opened, not written
os.close(os.open("/proc/self/mem", os.O_RDONLY))
for p in ("run/docker.sock", "cg/release_agent"):
    try:
        os.open(p, os.O_RDWR)
    except OSError:
        pass
try:  # may be refused (EACCES) under proctor run; the attempt is what counts
    os.close(os.open("/proc/1/root/etc/hostname", os.O_RDONLY))
except OSError:
    pass
