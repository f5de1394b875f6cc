# A #! script whose interpreter is denied: the interpreter is the image the
# kernel runs (bprm->file), so the hook kills it before the script's first
# line. Blocked.
# setup: cp /usr/bin/dash $WORK/denied-sh && printf '#!%s\ntouch "$1"\n' "$WORK/denied-sh" > $WORK/s.sh && chmod +x $WORK/s.sh
# policy: {exec: {deny: [{path: "$WORK/denied-sh", name: no-interp}]}}
# expect: {"type": "policy.violation", "policy.rule": "no-interp", "policy.verdict": "blocked", "process.executable.path": "$WORK/denied-sh", "process.command_args": ["$WORK/denied-sh", "./s.sh", "$WORK/ran"]}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "not-ran"]}
# expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
cd "$1"
./s.sh "$1/ran"
if [ -e ran ]; then /bin/echo ran; else /bin/echo not-ran; fi
