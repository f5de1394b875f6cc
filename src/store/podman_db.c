/* podman_db.c: podman 5's state database, read-only (podman_db.h). */
#include "store/podman_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define PODMAN_DB_BUSY_MS 200 /* podman writes in short transactions */

static const char config_sql[] = "SELECT JSON FROM ContainerConfig WHERE ID = ?1";

/* file:PATH?mode=ro, and &immutable=1 when no WAL file exists: no podman
 * has the database open (the last one to close it checkpointed and removed
 * the WAL), so it is read without creating the -wal and -shm files a
 * reader of a WAL database otherwise leaves in podman's directory. A
 * podman that opens it meanwhile writes to its WAL, not to this file. */
static int uri_of(const char *path, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char wal[4200];
	size_t n = (size_t)snprintf(out, len, "file:");
	const unsigned char *p;
	int m;

	for (p = (const unsigned char *)path; *p && n + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-", *p))
			out[n++] = (char)*p;
		else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = 0;
	if (*p)
		return -1;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	m = snprintf(out + n, len - n, "?mode=ro%s", access(wal, F_OK) ? "&immutable=1" : "");
	return m < 0 || (size_t)m >= len - n ? -1 : 0;
}

int podman_db_container_config(const char *path, const char *id, char **json, size_t *len,
			       char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	const unsigned char *v;
	int rc = -1, step;
	char uri[13000];

	*json = NULL;
	*len = 0;
	if (uri_of(path, uri, sizeof(uri))) {
		snprintf(err, errlen, "podman's state path %.200s is too long", path);
		return -1;
	}
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open podman's state %s: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(db, PODMAN_DB_BUSY_MS);
	if (sqlite3_prepare_v2(db, config_sql, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC) != SQLITE_OK) {
		snprintf(err, errlen, "podman's state %s is not a podman 5 database: %s", path,
			 sqlite3_errmsg(db));
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_DONE) {
		snprintf(err, errlen, "podman's state %s has no configuration of container %.12s",
			 path, id);
		rc = 1;
		goto out;
	}
	if (step != SQLITE_ROW || !(v = sqlite3_column_text(q, 0))) {
		snprintf(err, errlen, "reading podman's state %s: %s", path, sqlite3_errmsg(db));
		goto out;
	}
	*len = (size_t)sqlite3_column_bytes(q, 0);
	if (!(*json = malloc(*len + 1))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(*json, v, *len + 1);
	rc = 0;
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return rc;
}
