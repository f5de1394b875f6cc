# declassify: what the named program writes is not labelled. scrub (a copy
# of cat, named by the declassify rule) reads the secret, so scrub itself
# is labelled, but the file it writes is not: a reader of it connects
# (ECONNREFUSED: nobody listens, the kernel let it through). The same copy
# made by cat labels its reader, whose connect is blocked. Declassified by
# the named program only.
# setup: echo KEY > $WORK/secret && mkdir -p $WORK/bin && cp /bin/cat $WORK/bin/scrub
# policy: {labels: {secret: {sources: ["$WORK/secret"]}}, rules: [{declassify: {label: secret, exec: ["$WORK/bin/scrub", "**"]}}, {name: no-secret-egress, if: {label: secret}, deny: connect}]}
# expect: {"type": "policy.label", "process.name": "scrub", "policy.label.cause": "source"}
# expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "declassified=111", "kept=1"]}
# expect: {"type": "policy.violation", "policy.rule": "no-secret-egress", "policy.verdict": "blocked", "process.name": "python3"}
# expect-not: {"type": "policy.label", "file.path": "$WORK/out"}
cd "$1"
bin/scrub secret > out
cat secret > out2
a=$(/usr/bin/python3 -c 'import socket; open("out").read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
b=$(/usr/bin/python3 -c 'import socket; open("out2").read(); print(socket.socket().connect_ex(("127.0.0.1", 9)))')
/bin/echo "declassified=$a" "kept=$b"
