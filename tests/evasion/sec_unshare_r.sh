# `unshare -r`: an unprivileged user becomes "root" in a new user namespace
# (unshare(CLONE_NEWUSER), then uid_map). The escape attempt is recorded with
# the real (host) uid in the header.
# user: proctor-agent
# needs: userns
# expect: {"type": "security.escape", "escape.category": "namespace", "escape.syscall": "unshare", "escape.detail": "flags=CLONE_NEWUSER", "event.outcome": "success", "process.user.id": 1001, "process.name": "unshare"}
unshare -r true
