# A hard link gives a secret an innocent name; reading through the link is
# recorded under the link's name, and the link itself names the secret.
# setup: printf 'topsecret\n' > $WORK/secret
# expect: {"type": "file.metadata", "file.operation": "link", "file.path": "$WORK/innocent.txt", "file.target_path": "$WORK/secret", "event.outcome": "success"}
# expect: {"type": "file.open", "file.path": "$WORK/innocent.txt", "file.access": "read", "process.name": "cat"}
# expect: {"type": "file.read", "file.path": "$WORK/innocent.txt", "file.bytes": 10, "process.name": "cat"}
cd "$1"
ln secret innocent.txt
cat innocent.txt > /dev/null
