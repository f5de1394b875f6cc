# A denied program run through the dynamic loader (ld.so PROGRAM): the
# kernel execs ld.so, which maps the program itself in user space, so the
# exec names ld.so, not the program. A path deny alone: not caught
# (recorded as ld.so's process.exec with the program in its argv). An argv
# rule on the program's name or exec.allow_only without the loader's
# directory would catch it; docs/POLICY.md says so.
# setup: cp /usr/bin/touch $WORK/denied
# policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied}]}}
# expect: {"type": "process.exec", "process.executable.path": "~/ld-linux-x86-64\\.so\\.2$", "process.command_args": ["/lib64/ld-linux-x86-64.so.2", "$WORK/denied", "$WORK/ran"]}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
# expect-not: {"type": "policy.violation"}
cd "$1"
/lib64/ld-linux-x86-64.so.2 "$1/denied" "$1/ran"
if [ -e ran ]; then /bin/echo ran; else /bin/echo not-ran; fi
