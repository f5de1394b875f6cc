#!/usr/bin/env bash
# install-deps.sh: installs (idempotently, via apt) everything proctor needs to
# build, test and benchmark on a fresh Debian 12 machine. Safe to run twice.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the benchmark peers (auditd, bpftrace)
set -euo pipefail

BUILD_PKGS=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libsqlite3-dev
	libyaml-dev libcurl4-openssl-dev libmicrohttpd-dev libcmocka-dev
	libseccomp-dev libjansson-dev pkg-config make gcc sqlite3 liburing-dev libssl-dev libpcre2-dev)
TEST_PKGS=(rsyslog prometheus protobuf-compiler iproute2 python3 procps curl
	util-linux python3-pytest dnsutils socat netcat-openbsd openssl ca-certificates
	strace bc python3-yaml podman runc debootstrap
	chromium)
TEST_PKGS+=(e2fsprogs) # chattr, lsattr: tests/evasion/file_chattr_binary.sh
TEST_PKGS+=(gcc-multilib) # -m32: tests/evasion/ia32_*.c (32-bit programs)
TEST_PKGS+=(wget) # GnuTLS client: tests/e2e/test_llm_tls.py (GnuTLS capture)
TEST_PKGS+=(containerd) # ctr: tests/e2e/test_daemon_containerd.py (labelled containerd containers)
BUILD_PKGS+=(protobuf-c-compiler libprotobuf-c-dev) # protoc-c: proto/ -> build/proto/ (OTLP)
BENCH_PKGS=(auditd bpftrace git hyperfine)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
[[ "${1:-}" == "--bench" ]] && want+=("${BENCH_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The web UI's build (web/, Vite 5: Node 18+, Debian 12's nodejs): a node
# that brings its own npm counts.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if ((${#missing[@]} == 0)); then
	exit 0
fi
if ((EUID != 0)); then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# rsyslog/auditd must not start daemons that grab system ports during install.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
