#!/usr/bin/env bash
# demo.sh: `make demo`: runs the built-in agent-like scenario under proctor
# (embedded SQLite store, default path), then shows its process tree, the
# commands it ran, and the session list.
set -euo pipefail
cd "$(dirname "$0")/.."
P=$PWD/build/proctor
work=$(mktemp -d /tmp/proctor-demo.XXXXXX)
cat > "$work/calc.py" <<'PY'
def add(a, b):
    return a - b
PY
cat > "$work/test_calc.py" <<'PY'
from calc import add

def test_add():
    assert add(2, 3) == 5
PY
git -C "$work" init -q && git -C "$work" add -A &&
	git -C "$work" -c user.name=demo -c user.email=demo@example.invalid commit -qm init
[[ -n "${SUDO_USER:-}" ]] && chown -R "$SUDO_USER" "$work"

echo "== proctor run --agent demo-agent --project demo-shop -- scripts/demo-agent.sh"
$P run --agent demo-agent --project demo-shop --grace 2s -- "$PWD/scripts/demo-agent.sh" "$work"
echo
echo "== proctor tree"
$P tree
echo
echo "== proctor log --type process.exec   (what actually ran)"
$P log --type process.exec | cut -c1-150
echo
echo "== proctor sessions"
$P sessions | tail -n 3
echo
echo "store: ${PROCTOR_DB:-/var/lib/proctor/proctor.db}  (try: build/proctor log --json | head)"
rm -rf "$work"
