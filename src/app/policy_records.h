/* policy_records.h: policy.violation records of the files rules, which
 * are decided outside the ring buffer (policy_records.c). */
#ifndef PROCTOR_APP_POLICY_RECORDS_H
#define PROCTOR_APP_POLICY_RECORDS_H
#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"

/* A Landlock denial seen in a file record, emitted after that record. */
struct landlock_denial {
	uint64_t session_key, time_ns;
	uint32_t pid, tid, ppid;
	int rule;
	char comm[16];
	char op[16];
	char path[4096];
	bool denied;
};

/* Records of the fanotify engines' decisions since the last drain. */
void app_policy_drain(struct app *a);
/* True (d filled) if r is a write the session's write_only_under denied
 * (enforce: failed with EACCES) or would deny (audit: succeeded). */
bool app_policy_landlock_note(struct app *a, const struct record *r, struct landlock_denial *d);
void app_policy_landlock_emit(struct app *a, const struct landlock_denial *d);

#endif
