# A denied program (exec.deny path, a literal) run through a symlink and a
# hard link: the exec-kill hook decides on the kernel's objects, the
# resolved path (symlink) and the inode (hard link), so neither runs.
# Blocked, both.
# setup: cp /usr/bin/touch $WORK/denied && ln -s $WORK/denied $WORK/sym && ln $WORK/denied $WORK/hard
# policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied, reason: "denied is off limits"}]}}
# expect: {"type": "policy.violation", "policy.rule": "no-denied", "policy.verdict": "blocked", "policy.mechanism": "exec_kill", "process.command_args": ["$WORK/sym", "$WORK/ran1"], "process.executable.path": "$WORK/denied"}
# expect: {"type": "policy.violation", "policy.rule": "no-denied", "policy.verdict": "blocked", "policy.reason": "denied is off limits", "process.command_args": ["$WORK/hard", "$WORK/ran2"], "process.executable.path": "$WORK/hard"}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "neither-ran"]}
# expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
cd "$1"
"$1/sym" "$1/ran1"
"$1/hard" "$1/ran2"
if [ -e ran1 ] || [ -e ran2 ]; then /bin/echo ran; else /bin/echo neither-ran; fi
