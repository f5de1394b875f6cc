#!/bin/sh
# as-root.sh: run a command as root: directly when already root, otherwise
# through sudo (keeping PATH), or fail with a clear message.
if [ "$(id -u)" = 0 ]; then
	exec "$@"
fi
if command -v sudo >/dev/null 2>&1; then
	exec sudo --preserve-env=PATH,PROCTOR_DB,CI env "PATH=$PATH" "$@"
fi
echo "proctor: '$*' needs root, and sudo is not installed: run it as root" >&2
exit 1
