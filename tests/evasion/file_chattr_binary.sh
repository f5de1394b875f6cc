# The chattr binary (e2fsprogs): +i, then -i so the work dir can be removed.
# Until now only its exec showed; the ioctl is a file.metadata setflags.
# expect: {"type": "file.metadata", "file.operation": "setflags", "process.name": "chattr", "file.path": "$WORK/keep", "file.attributes.before": [], "file.attributes.after": ["immutable"], "event.outcome": "success"}
# expect: {"type": "file.metadata", "file.operation": "setflags", "process.name": "chattr", "file.path": "$WORK/keep", "file.attributes.before": ["immutable"], "file.attributes.after": [], "event.outcome": "success"}
cd "$1"
: > keep
chattr +i keep
chattr -i keep
