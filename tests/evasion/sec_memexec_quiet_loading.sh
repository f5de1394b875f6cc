# Ordinary programs load code from files (ld.so maps each segment read+exec,
# relocates data, mprotects RELRO read-only): none of it is executable
# memory worth a record. A python3 interpreter with extension modules and ls
# run under proctor produce no security.memexec at all.
# expect: {"type": "process.exec", "process.executable.path": "~^/usr/bin/python3"}
# expect: {"type": "process.exec", "process.executable.path": "/usr/bin/ls"}
# expect-not: {"type": "security.memexec"}
/usr/bin/python3 -c 'import json, ssl, sqlite3, decimal, ctypes; print(len(json.dumps({"a": 1})))' || exit 1
ls -la / >/dev/null
