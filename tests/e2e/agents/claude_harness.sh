#!/usr/bin/env bash
# claude_harness.sh: runs the REAL Claude Code CLI, offline, as an ordinary user
# against fake_anthropic.py, so that Claude Code's Bash tool runs a command we
# choose.  Owns: the Claude Code install cache, the test user, one agent run.
#
#   claude_harness.sh [--wrap "PREFIX CMD"] [--user NAME] [--timeout SECS] [--https] -- "<bash command>"
#
# --https: the fake API serves HTTPS with a certificate from a test CA made in
# DIR (openssl; ca.pem), and claude gets ANTHROPIC_BASE_URL=https://127.0.0.1:PORT
# and NODE_EXTRA_CA_CERTS=a copy of it in the agent user's home.
# Without --wrap claude runs via `runuser -u USER --`.  With --wrap the prefix
# runs as root and must drop to USER itself, e.g.
#   --wrap "build/proctor run --user proctor-agent --"
# The environment is passed with `env -i ... claude ...` inside the wrapped
# command, so it reaches claude whatever the wrapper does to its own env.
#
# Env: PROCTOR_TEST_CACHE (default /var/cache/proctor-test), PROCTOR_CLAUDE_VERSION,
#      PROCTOR_HARNESS_API_KEY (the ANTHROPIC_API_KEY claude gets; default test-key),
#      PROCTOR_HARNESS_DIR (where logs go; default a fresh mktemp dir, kept),
#      PROCTOR_HARNESS_DUMP=1 (also save raw request bodies to DIR/bodies.txt),
#      PROCTOR_HARNESS_ENV="NAME=VALUE ..." (more environment for claude, e.g. OTEL_*).
# Exit: 0 ok, 1 failure, 2 usage, 77 skip (Claude Code cannot be installed).
# Prints HARNESS_DIR=<dir> (server.log, claude.out, claude.err, server.out).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION=${PROCTOR_CLAUDE_VERSION:-2.1.330}
CACHE=${PROCTOR_TEST_CACHE:-/var/cache/proctor-test}/claude
AGENT_USER=proctor-agent
TIMEOUT=120
WRAP=""
HTTPS=0
API_KEY=${PROCTOR_HARNESS_API_KEY:-test-key}

die() { echo "claude_harness: $*" >&2; exit "${2:-1}"; }
usage() { sed -n '6p' "$0" | sed 's/^# *//' >&2; exit 2; }

while (($#)); do
	case "$1" in
	--wrap) WRAP=${2-}; shift 2 || usage ;;
	--user) AGENT_USER=${2-}; shift 2 || usage ;;
	--timeout) TIMEOUT=${2-}; shift 2 || usage ;;
	--https) HTTPS=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
(($# == 1)) || usage
TOOL_CMD=$1
((EUID == 0)) || die "must run as root (creates a user, drops privileges)"

# (a) Claude Code, installed once into the cache.  Since 2.x the package is a
# native (Bun-compiled) binary: npm pulls @anthropic-ai/claude-code-linux-x64 as
# an optional dependency and the postinstall (install.cjs) links it over
# bin/claude.exe; we re-run install.cjs if npm skipped install scripts.
CLAUDE=$CACHE/node_modules/.bin/claude
installed() {
	[[ -x $CLAUDE ]] && "$CLAUDE" --version 2>/dev/null | grep -qF "$VERSION"
}
if ! installed; then
	echo "claude_harness: installing @anthropic-ai/claude-code@$VERSION into $CACHE" >&2
	mkdir -p "$CACHE" || exit 77
	(cd "$CACHE" && npm install --prefix "$CACHE" --no-audit --no-fund \
		"@anthropic-ai/claude-code@$VERSION" >&2)
	installed || (cd "$CACHE/node_modules/@anthropic-ai/claude-code" 2>/dev/null && node install.cjs >&2)
	if ! installed; then
		echo "claude_harness: SKIP: cannot install Claude Code $VERSION (npm/network?)" >&2
		exit 77
	fi
	chmod -R a+rX "$CACHE" && chmod a+rx "$(dirname "$CACHE")"
fi

# (b) the ordinary user claude runs as (it refuses
# --dangerously-skip-permissions as root).
if ! id -u "$AGENT_USER" >/dev/null 2>&1; then
	useradd -m -s /bin/bash "$AGENT_USER" || die "useradd $AGENT_USER failed"
fi
AGENT_HOME=$(getent passwd "$AGENT_USER" | cut -d: -f6)
WORKDIR=$AGENT_HOME/work
mkdir -p "$AGENT_HOME" "$WORKDIR"
chown "$AGENT_USER": "$AGENT_HOME" "$WORKDIR"

# (c) the fake API server.
DIR=${PROCTOR_HARNESS_DIR:-$(mktemp -d /tmp/claude-harness.XXXXXX)}
mkdir -p "$DIR" && chmod 755 "$DIR"
rm -f "$DIR"/{server.log,server.out,bodies.txt,claude.out,claude.err}
: >"$DIR/server.log"
DUMP=()
[[ ${PROCTOR_HARNESS_DUMP:-} == 1 ]] && DUMP=(--dump "$DIR/bodies.txt")
TLS=() SCHEME=http CA_ENV=() CA_COPY=
if ((HTTPS)); then
	# a CA and a server certificate for 127.0.0.1, made for this run only
	rm -f "$DIR"/{ca,server}.{pem,key} "$DIR/server.csr"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=proctor-test-ca -keyout "$DIR/ca.key" -out "$DIR/ca.pem" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		>/dev/null 2>&1 &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj /CN=127.0.0.1 -keyout "$DIR/server.key" -out "$DIR/server.csr" \
			>/dev/null 2>&1 &&
		openssl x509 -req -in "$DIR/server.csr" -CA "$DIR/ca.pem" -CAkey "$DIR/ca.key" \
			-CAcreateserial -days 1 -out "$DIR/server.pem" -extfile <(printf '%s\n' \
			"subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth") >/dev/null 2>&1 ||
		die "openssl could not make the test CA"
	# DIR may be private (pytest's tmp dirs are 0700): the agent user reads a copy,
	# one per run (harness runs from other checkouts share the user's home)
	CA_COPY=$AGENT_HOME/proctor-test-ca.$$.pem
	install -m 644 -o "$AGENT_USER" "$DIR/ca.pem" "$CA_COPY" ||
		die "cannot copy the test CA for $AGENT_USER"
	TLS=(--tls-cert "$DIR/server.pem" --tls-key "$DIR/server.key")
	SCHEME=https
	CA_ENV=(NODE_EXTRA_CA_CERTS="$CA_COPY")
fi
/usr/bin/python3 "$HERE/fake_anthropic.py" --port 0 --bash-command "$TOOL_CMD" \
	--log "$DIR/server.log" "${DUMP[@]}" "${TLS[@]}" >"$DIR/server.out" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; [[ -z $CA_COPY ]] || rm -f "$CA_COPY"' EXIT
PORT=""
for _ in $(seq 100); do
	PORT=$(sed -n 's/^PORT=//p' "$DIR/server.out")
	[[ -n $PORT ]] && break
	kill -0 "$SERVER" 2>/dev/null || break
	sleep 0.1
done
[[ -n $PORT ]] || die "fake_anthropic.py did not start: $(cat "$DIR/server.out")"

# (d) one non-interactive claude run.
AGENT=(/usr/bin/env -i -C "$WORKDIR" HOME="$AGENT_HOME" USER="$AGENT_USER" LOGNAME="$AGENT_USER"
	SHELL=/bin/bash PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8
	ANTHROPIC_BASE_URL="$SCHEME://127.0.0.1:$PORT" ANTHROPIC_API_KEY="$API_KEY" "${CA_ENV[@]}"
	DISABLE_TELEMETRY=1 DISABLE_AUTOUPDATER=1 DISABLE_ERROR_REPORTING=1
	CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 ${PROCTOR_HARNESS_ENV:-}
	"$CLAUDE" -p "run the command" --dangerously-skip-permissions
	--output-format json --no-session-persistence)
if [[ -n $WRAP ]]; then
	read -r -a PREFIX <<<"$WRAP"
else
	PREFIX=(runuser -u "$AGENT_USER" --)
fi
START=$EPOCHREALTIME
(cd "$WORKDIR" && timeout -k 5 "$TIMEOUT" "${PREFIX[@]}" "${AGENT[@]}" \
	</dev/null >"$DIR/claude.out" 2>"$DIR/claude.err")
RC=$?
ELAPSED=$(awk -v a="$START" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')

# (e) report.
echo "HARNESS_DIR=$DIR"
echo "--- claude exit=$RC after ${ELAPSED}s; output:"
cat "$DIR/claude.out"
[[ -s $DIR/claude.err ]] && { echo "--- claude stderr:"; cat "$DIR/claude.err"; }
echo "--- server log:"
cat "$DIR/server.log"
((RC == 124)) && die "claude timed out after ${TIMEOUT}s"
((RC == 0)) || die "claude exited $RC"
grep -q '"tool_result": true' "$DIR/server.log" ||
	die "no tool_result came back to the fake server (Bash tool did not run?)"
! grep -q '"tool_result_blocked": true' "$DIR/server.log" ||
	die "Claude Code refused to run the command (<tool_use_error>; see server log)"
echo "claude_harness: OK (tool command ran, tool_result returned)"
