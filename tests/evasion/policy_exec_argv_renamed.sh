# exec.deny argv matches the basename of argv[0] or of the executable: a
# copy of the program under another name, or argv[0] spelled otherwise,
# is still caught; the allowed variant runs. Blocked.
# setup: mkdir $WORK/bin && cp /usr/bin/touch $WORK/bin/git && cp /usr/bin/touch $WORK/bin/g
# policy: {exec: {deny: [{argv: ["git", "push", "*", "--force*"], name: no-force-push, reason: "no force pushes"}]}}
# expect: {"type": "policy.violation", "policy.rule": "no-force-push", "policy.verdict": "blocked", "policy.reason": "no force pushes", "process.command_args": ["git", "push", "$WORK/r1", "--force"]}
# expect: {"type": "policy.violation", "policy.rule": "no-force-push", "process.command_args": ["./bin/git", "push", "$WORK/r2", "--force-with-lease"]}
# expect: {"type": "policy.violation", "policy.rule": "no-force-push", "process.command_args": ["g", "push", "$WORK/r3", "--force"], "process.executable.path": "$WORK/bin/git"}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "none-ran", "main-ran"]}
cd "$1"
export POSIXLY_CORRECT=1   # touch takes every word after the first file as a file
PATH="$1/bin:$PATH" git push "$1/r1" --force
./bin/git push "$1/r2" --force-with-lease
python3 -c 'import os,sys; os.execv(sys.argv[1], ["g", "push", sys.argv[2], "--force"])' "$1/bin/git" "$1/r3"
./bin/g push "$1/main"
a=none-ran; [ -e r1 ] || [ -e r2 ] || [ -e r3 ] && a=some-ran
b=main-not-ran; [ -e main ] && b=main-ran
/bin/echo "$a" "$b"
