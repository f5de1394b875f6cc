/* config.h: the sink/pipeline configuration file (YAML): sinks with their
 * filters, redaction rules, rate limits, batching. Seam for `--config FILE`. */
#ifndef PROCTOR_PIPELINE_CONFIG_H
#define PROCTOR_PIPELINE_CONFIG_H
#include <stddef.h>

#include "pipeline/pipeline.h"

/* Load FILE into the pipeline (adds sinks, stages). 0 or -1 with err set
 * ("FILE:LINE: reason"). */
int pipeline_load_config(struct pipeline *p, const char *path, char *err, size_t errlen);

#endif
