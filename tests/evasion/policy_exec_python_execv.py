# python os.execv of a denied program: the exec itself is judged, whatever
# made it. Blocked (the python process is replaced and killed).
# setup: cp /usr/bin/touch $WORK/denied
# policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied}]}}
# expect: {"type": "policy.violation", "policy.rule": "no-denied", "policy.verdict": "blocked", "process.command_args": ["denied", "$WORK/ran"]}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "not-ran"]}
# expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
import os
import sys

work = sys.argv[1]
pid = os.fork()
if pid == 0:
    os.execv(work + "/denied", ["denied", work + "/ran"])
os.waitpid(pid, 0)
os.execv("/bin/echo", ["/bin/echo", "ran" if os.path.exists(work + "/ran") else "not-ran"])
