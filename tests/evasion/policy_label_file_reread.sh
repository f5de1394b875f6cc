# A label carried by a file: a labelled process (cat, which opened the
# secret) writes a copy; an unlabelled process started afterwards reads the
# copy and gets the label from its inode (a labelled writer labels the
# inode it writes). Its connect is blocked. Blocked.
# setup: echo KEY > $WORK/secret
# policy: {labels: {secret: {sources: ["$WORK/secret"]}}, rules: [{name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "python3", "policy.label.cause": "read_labelled", "file.path": "$WORK/copy", "policy.labels": ["secret"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "process.name": "python3", "network.peer.port": 9}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "connect=1"]}
cd "$1"
cat secret > copy
r=$(/usr/bin/python3 -c 'import socket; open("copy").read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
/bin/echo "connect=$r"
