# A setuid-root binary (a copy of id(1) with chmod u+s) run by an
# unprivileged account: the exec itself changes the effective uid; no set*id
# syscall is made. (The copy lives in $WORK, removed after the run.)
# user: proctor-agent
# setup: cp /usr/bin/id "$WORK/suid-id" && chown root:root "$WORK/suid-id" && chmod 4755 "$WORK/suid-id"
# expect: {"type": "security.privilege", "privilege.operation": "setuid_exec", "privilege.from": "uid=1001", "privilege.to": "uid=1001,euid=0,suid=0", "event.outcome": "success", "process.user.id": 0, "process.name": "suid-id"}
"$WORK/suid-id"
