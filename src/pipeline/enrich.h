/* enrich.h: the Enrich stage: adds to every record the attribution and
 * context a SIEM needs without joins: host name, session, agent, project,
 * user and group names, the executable, a short parent-chain summary
 * (`process.parent.chain`, e.g. "bash(41) < proctor(40)") and a severity
 * (`event.severity`: info, notice, warning, critical). */
#ifndef PROCTOR_ENRICH_H
#define PROCTOR_ENRICH_H
#include "model/record.h"
#include "model/severity.h"
#include "model/session.h"

struct enricher;

struct enricher *enricher_new(void);
void enricher_free(struct enricher *e);
/* ses may be NULL (unknown session). */
void enrich_record(struct enricher *e, struct record *r, const struct session *ses);

#endif
