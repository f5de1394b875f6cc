/* session_policy.c: a daemon session's per-run policy (session_policy.h):
 * parsed from the run client's text, installed and removed through src/app
 * exactly as a standalone run does (app_add_egress, egress_set_policy,
 * app_add_policy). */
#include "daemon/session_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "util/util.h"

#define FINISH_WAIT_NS 200000000ull

static void copy_env(char *dst, size_t len, json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	snprintf(dst, len, "%s", v && *v ? v : "/");
}

/* The policy text as the client validated it, parsed again here (the
 * daemon trusts no client's parse); sections this build does not enforce
 * are refused, as policy_load_enforceable does. */
static int parse(struct session_policy *sp, json_t *obj, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(obj, "name"));
	json_t *text = json_object_get(obj, "text");
	struct policy_env env;
	const char *names;
	char buf[64];

	if (!name || !*name || !json_is_string(text)) {
		snprintf(err, errlen, "session.begin: policy needs \"name\" and \"text\" strings");
		return -1;
	}
	copy_env(env.home, sizeof(env.home), obj, "home");
	copy_env(env.workspace, sizeof(env.workspace), obj, "workspace");
	if (policy_load_env(name, json_string_value(text), json_string_length(text), &env,
			    &sp->policy, err, errlen))
		return -1;
	if ((names = policy_unenforced_sections(&sp->policy, buf, sizeof(buf)))) {
		snprintf(err, errlen, "%s: this build does not enforce the %s section(s) yet", name,
			 names);
		return -1;
	}
	return 0;
}

static int add_egress(struct app *a, struct session_policy *sp, struct session *s,
		      const char *cg_abs, char *err, size_t errlen)
{
	json_t *mode = json_object_get(sp->req, "egress_mode");
	json_t *idle = json_object_get(sp->req, "flow_idle_ns");

	sp->eg.ctl_fd = -1;
	if (app_add_egress(a, &sp->eg, cg_abs, s, err, errlen))
		return -1;
	sp->egress_added = true;
	if (egress_set_policy(&sp->eg, &sp->policy.egress,
			      json_is_integer(mode) ? (int)json_integer_value(mode) : -1, err,
			      errlen))
		return -1;
	sp->eg.udp_idle_ns =
		json_integer_value(idle) > 0 ? (uint64_t)json_integer_value(idle) : 5000000000ull;
	if (sp->eg.has_policy && egress_ctl_listen(&sp->eg, err, errlen)) {
		err_msg("warning: session %s: %s (proctor bypass will not reach it)", s->id, err);
		*err = 0;
	}
	return 0;
}

struct session_policy *session_policy_install(struct app *a, struct session *s, const char *cg_abs,
					      json_t *obj, char *err, size_t errlen)
{
	struct session_policy *sp;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "session.begin: policy must be an object");
		return NULL;
	}
	if (!(sp = calloc(1, sizeof(*sp)))) {
		snprintf(err, errlen, "out of memory for the session's policy");
		return NULL;
	}
	sp->req = json_incref(obj);
	if (parse(sp, obj, err, errlen) || add_egress(a, sp, s, cg_abs, err, errlen) ||
	    app_add_policy(a, s, &sp->policy, err, errlen)) {
		session_policy_free(a, s, sp);
		return NULL;
	}
	sp->policy_added = true;
	return sp;
}

void session_policy_tick(struct session_policy *sp)
{
	if (sp && sp->egress_added)
		egress_tick(&sp->eg, false);
}

bool session_policy_wait(struct session_policy *sp)
{
	uint64_t now = now_monotonic_ns();

	if (!sp || !sp->egress_added)
		return false;
	if (!sp->finish_until_ns)
		sp->finish_until_ns = now + FINISH_WAIT_NS;
	return now < sp->finish_until_ns && egress_pending_tcp(&sp->eg);
}

char *session_policy_finish(struct app *a, struct session_policy *sp)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!sp || !sp->egress_added)
		return strdup("");
	app_drain(a);
	egress_tick(&sp->eg, true);
	if ((f = open_memstream(&text, &len))) {
		egress_print_summary(&sp->eg, f);
		fclose(f);
	}
	app_remove_egress(a, &sp->eg);
	sp->egress_added = false;
	sp->policy_added = false; /* app_end_session removes the rules */
	return text ? text : strdup("");
}

void session_policy_free(struct app *a, struct session *s, struct session_policy *sp)
{
	if (!sp)
		return;
	if (sp->egress_added)
		app_remove_egress(a, &sp->eg);
	/* app_end_session removed an ended session's rules; a failed begin's
	 * are removed here */
	if (sp->policy_added && s->policy)
		enforce_remove_session(&a->enforce, &a->probe, s->key);
	s->policy = NULL;
	s->egress_policy = NULL;
	json_decref(sp->req);
	free(sp);
}
