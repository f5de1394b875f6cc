# A denied #! script: by sched_process_exec the kernel has swapped the
# script's file for its interpreter's and dropped it (bprm->executable is
# kept only for binfmt_misc's O flag), so the exec-kill hook sees the
# interpreter, not the script. A path rule on the script: not caught
# (recorded: the process.exec of /bin/sh with the script in its argv). A
# files rule on the interpreter's open of the script would catch it
# (fanotify, not in this build). The interpreter itself: blocked (next
# program, policy_exec_shebang_interp.sh).
# setup: printf '#!/bin/sh\ntouch "$1"\n' > $WORK/denied.sh && chmod +x $WORK/denied.sh
# policy: {exec: {deny: [{path: "$WORK/denied.sh", name: no-script}]}}
# expect: {"type": "process.exec", "process.executable.path": "/usr/bin/dash", "process.command_args": ["/bin/sh", "./denied.sh", "$WORK/ran"]}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
# expect-not: {"type": "policy.violation"}
cd "$1"
./denied.sh "$1/ran"
if [ -e ran ]; then /bin/echo ran; else /bin/echo not-ran; fi
