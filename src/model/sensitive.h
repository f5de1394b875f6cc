/* sensitive.h: the old name of model/paths.h's credential globs, kept only
 * for src/cli/tree.c until its queries move to src/store/ (then delete). */
#ifndef PROCTOR_SENSITIVE_H
#define PROCTOR_SENSITIVE_H
#include "model/paths.h"

#define sensitive_path_globs credential_path_globs

#endif
