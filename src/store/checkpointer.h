/* checkpointer.h: WAL checkpoints of the SQLite store on a thread of their
 * own. The writer's connection turns automatic checkpoints off, so a commit
 * never copies the WAL back into the database (nor waits for fsync) on the
 * ring-buffer reader's thread; a second connection does it in the
 * background. The WAL stays bounded: past a hard limit the writer
 * checkpoints itself, as SQLite would. */
#ifndef PROCTOR_CHECKPOINTER_H
#define PROCTOR_CHECKPOINTER_H
#include <stddef.h>

#include <sqlite3.h>

struct checkpointer;

/* Start checkpointing the database at path that writer writes. NULL on
 * failure (then the writer keeps SQLite's automatic checkpoints). */
struct checkpointer *checkpointer_start(sqlite3 *writer, const char *path);
/* Stop the thread and close its connection (before the writer closes, so
 * that the writer's close does the final checkpoint and removes the WAL). */
void checkpointer_stop(struct checkpointer *c);

#endif
