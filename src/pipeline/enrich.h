/* enrich.h: the Enrich stage: adds to every record the context a SIEM needs
 * without joins: user and group names, a short parent-chain summary
 * (`process.parent.chain`, e.g. "bash(41) < proctor(40)") and a severity
 * (`event.severity`: info, notice, warning, critical). The attribution
 * (host, session, agent, project, executable) is added once, by the
 * decoder. */
#ifndef PROCTOR_ENRICH_H
#define PROCTOR_ENRICH_H
#include "model/proctree.h"
#include "model/record.h"
#include "model/severity.h"
#include "model/session.h"

struct enricher;

/* With a process table of its own until enricher_use_procs. */
struct enricher *enricher_new(void);
void enricher_free(struct enricher *e);
/* Share the one process table (NULL: back to its own). */
void enricher_use_procs(struct enricher *e, struct proctree *t);
void enrich_record(struct enricher *e, struct record *r);

#endif
