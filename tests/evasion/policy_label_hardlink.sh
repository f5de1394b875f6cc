# A source file reached by another name: a hard link made before the
# session to a file under the source tree. The source glob does not match
# the link's path, but the source files that exist at the session's start
# are labelled by inode too, so reading the link labels the reader (cause
# read_labelled, the link's path) and its connect is blocked. Blocked.
# setup: mkdir -p $WORK/keys && echo KEY > $WORK/keys/id && ln $WORK/keys/id $WORK/link
# policy: {labels: {secret: {sources: ["$WORK/keys/**"]}}, rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "python3", "policy.label.cause": "read_labelled", "file.path": "$WORK/link", "policy.labels": ["secret"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "process.name": "python3", "network.peer.port": 9}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "connect=1"]}
cd "$1"
r=$(/usr/bin/python3 -c 'import socket; open("link").read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
/bin/echo "connect=$r"
