/* toolcall_records.h: intent.mismatch records from the tool calls' findings
 * (toolcall.h), and their run-summary lines. */
#ifndef PROCTOR_APP_TOOLCALL_RECORDS_H
#define PROCTOR_APP_TOOLCALL_RECORDS_H
#include <stdio.h>

#include "proctor/abi.h"

struct app;

/* After each committed record h: exits noted, findings made into records. */
void app_toolcalls_after(struct app *a, const struct pr_hdr *h);
void app_toolcalls_print(const struct app *a, FILE *f);

#endif
