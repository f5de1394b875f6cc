# Writes a file after deleting its name (the data lives on while the fd is
# open, no trace remains on disk): the write summary keeps the old path and
# says the file had no name any more.
# expect: {"type": "file.metadata", "file.operation": "unlink", "file.path": "$WORK/ghost", "event.outcome": "success"}
# expect: {"type": "file.write", "file.path": "$WORK/ghost", "file.bytes": 5, "file.deleted": true}
# expect-not: {"type": "file.open", "file.path": "$WORK/ghost", "file.deleted": true}
import os

fd = os.open("ghost", os.O_RDWR | os.O_CREAT, 0o600)
os.unlink("ghost")
os.write(fd, b"hello")
os.close(fd)
