/* sql_col.h: the one reader of a text column for the store's query files (NULL reads as ""). */
#ifndef PROCTOR_STORE_SQL_COL_H
#define PROCTOR_STORE_SQL_COL_H

#include <sqlite3.h>

static inline const char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? (const char *)t : "";
}

#endif
