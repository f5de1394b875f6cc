# Replacing an existing file by renaming another over it (no write to the
# victim): file.metadata rename from the new content to the victim's path.
# setup: echo original > $WORK/config && echo replaced > $WORK/.new
# expect: {"type": "file.metadata", "file.operation": "rename", "file.path": "$WORK/.new", "file.target_path": "$WORK/config", "event.outcome": "success", "process.name": "mv"}
cd "$1"
mv -f .new config
