# A label laundered through /tmp: cp the secret into /tmp and back (cp
# copies with copy_file_range: its read side labels cp, its write side the
# destination's inode); an unlabelled process reads the copy that came
# back and is labelled: its connect is blocked. Blocked.
# setup: echo KEY > $WORK/secret
# policy: {labels: {secret: {sources: ["$WORK/secret"]}}, rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "python3", "policy.label.cause": "read_labelled", "file.path": "$WORK/back", "policy.labels": ["secret"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "process.name": "python3", "network.peer.port": 9}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "connect=1"]}
cd "$1"
t=$(mktemp /tmp/proctor-label-XXXXXX)
cp secret "$t"
cp "$t" back
rm -f "$t"
r=$(/usr/bin/python3 -c 'import socket; open("back").read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
/bin/echo "connect=$r"
