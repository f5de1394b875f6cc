# An ordinary user mounts a tmpfs inside new user+mount namespaces
# (`unshare -rm`): allowed there, and exactly the first step of many
# container escapes. The mount is recorded with its arguments.
# user: proctor-agent
# needs: userns
# expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "unshare", "escape.detail": "flags=CLONE_NEWNS|CLONE_NEWUSER", "event.outcome": "success"}
# expect: {"type": "security.escape", "escape.category": "mount", "escape.syscall": "mount", "escape.detail": "source=none target=/mnt fstype=tmpfs flags=0", "event.outcome": "success", "process.name": "mount"}
unshare -rm mount -t tmpfs none /mnt
