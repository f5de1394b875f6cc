/* severity.h: the severity of a record (event.severity): debug .. critical,
 * from its type and outcome. The Enrich stage sets the field; syslog, OTLP
 * and the filters read it. */
#ifndef PROCTOR_SEVERITY_H
#define PROCTOR_SEVERITY_H
#include "model/record.h"

/* Severity of a record: 0 debug .. 5 critical (see severity_name). */
enum severity { SEV_DEBUG, SEV_INFO, SEV_NOTICE, SEV_WARNING, SEV_ERROR, SEV_CRITICAL, SEV_MAX };
enum severity record_severity(const struct record *r);
const char *severity_name(enum severity s);
/* -1 when unknown. */
int severity_parse(const char *s);
/* The record's event.severity field, or computed. */
enum severity record_severity_field(const struct record *r);

#endif
