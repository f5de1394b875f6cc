# Reading a secret through a symlink with an innocent name: the open names
# the real file, and the symlink creation records what it points to.
# setup: printf 'topsecret\n' > $WORK/secret
# expect: {"type": "file.metadata", "file.operation": "symlink", "file.path": "$WORK/notes.txt", "file.target_path": "$WORK/secret", "file.symlink_contents": "secret", "event.outcome": "success"}
# expect: {"type": "file.open", "file.path": "$WORK/secret", "file.requested_path": "notes.txt", "process.name": "cat"}
# expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "process.name": "cat"}
cd "$1"
ln -s secret notes.txt
cat notes.txt > /dev/null
