#!/usr/bin/env bash
# demo-agent.sh: an agent-like session for `make demo`: it reads a project,
# runs its failing test, edits the code, re-runs the test, commits, and leaves
# a background helper behind (which proctor records and then kills). Each
# "tool call" is a separate shell, as agent harnesses do.
set -u
cd "$1"
tool() { echo "[agent] tool call: $1"; shift; bash -c "$*"; }
tool "Read" "cat calc.py test_calc.py"
tool "Bash(run tests)" "/usr/bin/python3 -m pytest -q -p no:cacheprovider 2>&1 | tail -2"
tool "Edit(calc.py)" "sed -i 's/return a - b/return a + b/' calc.py"
tool "Bash(run tests)" "/usr/bin/python3 -m pytest -q -p no:cacheprovider 2>&1 | tail -1"
tool "Bash(git commit)" "git add -A && git -c user.name=agent -c user.email=agent@example.invalid commit -qm 'fix add()' && git log --oneline | head -1"
tool "Bash(start watcher)" "(setsid sleep 300 >/dev/null 2>&1 &) ; echo watcher started"
echo "[agent] done"
