/* summary.h: a one-line human summary of a record, for `proctor log` and the
 * store's summary column. */
#ifndef PROCTOR_SUMMARY_H
#define PROCTOR_SUMMARY_H
#include "model/record.h"
#include "util/strbuf.h"

void record_summary(const struct record *r, struct strbuf *out);

#endif
