/* maint.h: store maintenance behind `proctor db`: migrating a schema v1
 * store to v2, and pruning (by age and to a size cap) so that the chain of
 * what is left stays verifiable (docs/STORE.md, "Retention"). */
#ifndef PROCTOR_STORE_MAINT_H
#define PROCTOR_STORE_MAINT_H
#include <stdint.h>

#include <openssl/evp.h>

#include "store/store.h"

struct store_migrate_result {
	int from_version;
	int64_t events, sessions;
	int64_t bytes_before, bytes_after;
};

/* Migrate the store at path to schema v2 in one transaction, then VACUUM.
 * A v2 store is left as it is (from_version 2). 0, or -1 with err filled
 * (the store is unchanged). */
int store_migrate(const char *path, struct store_migrate_result *res, char *err, size_t errlen);

struct store_prune_result {
	int64_t sessions, events;
	int64_t bytes_before, bytes_after;
};

/* Remove the records of ended sessions that ended before before_ns (0: no
 * age limit), then of the oldest ended sessions while the store is larger
 * than max_bytes (0: no cap). A pruned session keeps its sessions row and
 * its checkpoints; the range removed is recorded in `pruned`, signed with
 * key. */
int store_prune(const char *path, EVP_PKEY *key, int64_t before_ns, int64_t max_bytes,
		struct store_prune_result *res, char *err, size_t errlen);

/* The message a prune record signs: "proctor-prune 1\n" SESSION "\n" LAST
 * "\n" TIME_NS "\n". Returns its length (< len). */
size_t store_prune_msg(char *buf, size_t len, const char *session, int64_t last, int64_t time_ns);

#endif
