/* config.c: the daemon's configuration file (config.h). Example:
 *
 *   pipeline: /etc/proctor/pipeline.yaml   # sinks, filters, redaction (SINKS.md)
 *   socket: /run/proctor/proctor.sock
 *   socket_group: proctor
 *   db: /var/lib/proctor/proctor.db        # or none
 *   metrics: 127.0.0.1:9464
 *   otlp_receiver: 127.0.0.1:4318         # the agents' own telemetry (loopback)
 *   ringbuf_mb: 64
 *   auto_adopt:
 *     agents: true                         # known agents become sessions
 *     rules:                               # replaces the built-in list
 *       - {exe: claude, agent: claude, project: shop}
 *       - {path: /opt/agents/codex, agent: codex}   # by the file, not its name
 *     containers:                          # labelled containers, at their start
 *       enabled: true
 *       agent_label: proctor.agent         # a container with either label
 *       project_label: proctor.project     # is adopted
 *       hooks_dir: /etc/containers/oci/hooks.d   # the daemon installs its hook
 *       podman_storage: /var/lib/containers/storage # podman's graphroot (fallback)
 *       containerd_root: /var/lib/containerd   # containerd's root and state
 *       containerd_state: /run/containerd      #  (labels, bundles)
 *   serve:                                 # the HTTP API (docs/API.md)
 *     listen: 127.0.0.1:7070
 *     tls_cert: /etc/proctor/api.crt       # both, or neither (loopback only,
 *     tls_key: /etc/proctor/api.key        #  unless insecure_http: true)
 */
#include "daemon/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/receiver.h"
#include "serve/serve.h"
#include "util/util.h"
#include "util/yaml.h"

#define BY_NAME(n)                                                                                 \
	{                                                                                          \
		.exe = n, .agent = n                                                               \
	}
static const struct daemon_agent_rule builtin_agents[] = {
	BY_NAME("claude"), BY_NAME("codex"),	BY_NAME("gemini"),
	BY_NAME("aider"),  BY_NAME("openclaw"),
};

void daemon_config_defaults(struct daemon_config *c)
{
	memset(c, 0, sizeof(*c));
	c->auto_agents = true;
	c->nagents = sizeof(builtin_agents) / sizeof(builtin_agents[0]);
	memcpy(c->agents, builtin_agents, sizeof(builtin_agents));
	c->auto_containers = true;
	snprintf(c->agent_label, sizeof(c->agent_label), "proctor.agent");
	snprintf(c->project_label, sizeof(c->project_label), "proctor.project");
	snprintf(c->podman_storage, sizeof(c->podman_storage), "/var/lib/containers/storage");
	snprintf(c->containerd_root, sizeof(c->containerd_root), "/var/lib/containerd");
	snprintf(c->containerd_state, sizeof(c->containerd_state), "/run/containerd");
}

struct dcfg {
	struct ydoc *y;
	struct daemon_config *c;
};

/* A value into a fixed buffer: it must be a scalar and fit. */
static int get_str(struct dcfg *d, yaml_node_t *v, const char *key, char *out, size_t len,
		   bool nonempty)
{
	const char *s = ydoc_scalar(v);

	if (!s)
		return ydoc_error(d->y, v, "'%s' must be a value", key);
	if (strlen(s) >= len)
		return ydoc_error(d->y, v, "'%s' is too long (at most %zu bytes)", key, len - 1);
	if (nonempty && !*s)
		return ydoc_error(d->y, v, "'%s' must not be empty", key);
	snprintf(out, len, "%s", s);
	return 0;
}

static int get_bool(struct dcfg *d, yaml_node_t *v, const char *key, bool *out)
{
	const char *s = ydoc_scalar(v);

	if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on")))
		return *out = true, 0;
	if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off")))
		return *out = false, 0;
	return ydoc_error(d->y, v, "'%s' must be true or false", key);
}

static int want(struct dcfg *d, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
	static const char *const names[] = {"nothing", "a value", "a list", "a mapping"};

	if (!n || n->type != t)
		return ydoc_error(d->y, n, "%s must be %s", what, names[t]);
	return 0;
}

static int unknown(struct dcfg *d, yaml_node_t *k, const char *where, const char *known)
{
	const char *s = ydoc_scalar(k);

	return ydoc_error(d->y, k, "unknown key '%s' in %s (%s)", s ? s : "?", where, known);
}

/* An executable name: a basename, as the kernel compares it. */
static int check_exe(struct dcfg *d, yaml_node_t *v, const char *exe)
{
	if (strchr(exe, '/') || !strcmp(exe, ".") || !strcmp(exe, ".."))
		return ydoc_error(d->y, v, "'exe' must be an executable's name, without '/'");
	return 0;
}

/* A file pinned by path: absolute, not a directory's name. */
static int check_path(struct dcfg *d, yaml_node_t *v, const char *path)
{
	size_t n = strlen(path);

	if (*path != '/' || path[n - 1] == '/')
		return ydoc_error(d->y, v, "'path' must be an absolute path to an executable");
	return 0;
}

static int one_rule(struct dcfg *d, yaml_node_t *m, struct daemon_agent_rule *r)
{
	yaml_node_t *k, *v, *exe = NULL, *path = NULL;
	const char *key;

	if (want(d, m, YAML_MAPPING_NODE, "a rule"))
		return -1;
	memset(r, 0, sizeof(*r));
	YDOC_FOR_PAIRS(d->y, m, k, v)
	{
		key = ydoc_scalar(k);
		if (key && !strcmp(key, "exe")) {
			if (get_str(d, v, key, r->exe, sizeof(r->exe), true) ||
			    check_exe(d, v, r->exe))
				return -1;
			exe = v;
		} else if (key && !strcmp(key, "path")) {
			if (get_str(d, v, key, r->path, sizeof(r->path), true) ||
			    check_path(d, v, r->path))
				return -1;
			path = v;
		} else if (key && !strcmp(key, "agent")) {
			if (get_str(d, v, key, r->agent, sizeof(r->agent), false))
				return -1;
		} else if (key && !strcmp(key, "project")) {
			if (get_str(d, v, key, r->project, sizeof(r->project), false))
				return -1;
		} else
			return unknown(d, k, "a rule", "exe, path, agent, project");
	}
	if (!exe && !path)
		return ydoc_error(d->y, m, "a rule needs 'exe' or 'path'");
	if (exe && path)
		return ydoc_error(d->y, path, "a rule has 'exe' or 'path', not both");
	if (!*r->agent && exe)
		memcpy(r->agent, r->exe, sizeof(r->exe)); /* exe is shorter than agent */
	else if (!*r->agent)
		snprintf(r->agent, sizeof(r->agent), "%.63s", strrchr(r->path, '/') + 1);
	return 0;
}

static int rules(struct dcfg *d, yaml_node_t *seq)
{
	struct daemon_config *c = d->c;
	yaml_node_t *v;
	size_t i;

	if (want(d, seq, YAML_SEQUENCE_NODE, "'rules'"))
		return -1;
	c->nagents = 0;
	YDOC_FOR_ITEMS(d->y, seq, v)
	{
		if (c->nagents >= PR_AUTO_MAX_RULES)
			return ydoc_error(d->y, v, "too many rules (at most %d)",
					  PR_AUTO_MAX_RULES);
		if (one_rule(d, v, &c->agents[c->nagents]))
			return -1;
		for (i = 0; i < c->nagents; i++) {
			const struct daemon_agent_rule *a = &c->agents[i],
						       *b = &c->agents[c->nagents];
			if (*a->exe && !strcmp(a->exe, b->exe))
				return ydoc_error(d->y, v, "a second rule for exe '%s'", a->exe);
			if (*a->path && !strcmp(a->path, b->path))
				return ydoc_error(d->y, v, "a second rule for path '%s'", a->path);
		}
		c->nagents++;
	}
	return 0;
}

static int check_dir(struct dcfg *d, yaml_node_t *v, const char *key, const char *dir)
{
	if (*dir != '/')
		return ydoc_error(d->y, v, "'%s' must be an absolute path", key);
	return 0;
}

static int section_containers(struct dcfg *d, yaml_node_t *m)
{
	struct daemon_config *c = d->c;
	yaml_node_t *k, *v;
	const char *key;

	if (want(d, m, YAML_MAPPING_NODE, "'containers'"))
		return -1;
	YDOC_FOR_PAIRS(d->y, m, k, v)
	{
		key = ydoc_scalar(k);
		if (key && !strcmp(key, "enabled")) {
			if (get_bool(d, v, key, &c->auto_containers))
				return -1;
		} else if (key && !strcmp(key, "agent_label")) {
			if (get_str(d, v, key, c->agent_label, sizeof(c->agent_label), true))
				return -1;
		} else if (key && !strcmp(key, "project_label")) {
			if (get_str(d, v, key, c->project_label, sizeof(c->project_label), true))
				return -1;
		} else if (key && !strcmp(key, "hooks_dir")) {
			if (get_str(d, v, key, c->hooks_dir, sizeof(c->hooks_dir), true) ||
			    check_dir(d, v, key, c->hooks_dir))
				return -1;
		} else if (key && !strcmp(key, "podman_storage")) {
			if (get_str(d, v, key, c->podman_storage, sizeof(c->podman_storage),
				    true) ||
			    check_dir(d, v, key, c->podman_storage))
				return -1;
		} else if (key && !strcmp(key, "containerd_root")) {
			if (get_str(d, v, key, c->containerd_root, sizeof(c->containerd_root),
				    true) ||
			    check_dir(d, v, key, c->containerd_root))
				return -1;
		} else if (key && !strcmp(key, "containerd_state")) {
			if (get_str(d, v, key, c->containerd_state, sizeof(c->containerd_state),
				    true) ||
			    check_dir(d, v, key, c->containerd_state))
				return -1;
		} else
			return unknown(d, k, "containers",
				       "enabled, agent_label, project_label, hooks_dir, "
				       "podman_storage, containerd_root, containerd_state");
	}
	return 0;
}

static int section_auto(struct dcfg *d, yaml_node_t *m)
{
	yaml_node_t *k, *v;
	const char *key;

	if (want(d, m, YAML_MAPPING_NODE, "'auto_adopt'"))
		return -1;
	YDOC_FOR_PAIRS(d->y, m, k, v)
	{
		key = ydoc_scalar(k);
		if (key && !strcmp(key, "agents")) {
			if (get_bool(d, v, key, &d->c->auto_agents))
				return -1;
		} else if (key && !strcmp(key, "rules")) {
			if (rules(d, v))
				return -1;
		} else if (key && !strcmp(key, "containers")) {
			if (section_containers(d, v))
				return -1;
		} else
			return unknown(d, k, "auto_adopt", "agents, rules, containers");
	}
	return 0;
}

static int section_serve(struct dcfg *d, yaml_node_t *m)
{
	struct daemon_serve *sv = &d->c->serve;
	yaml_node_t *k, *v, *listen = NULL;
	const char *key;

	if (want(d, m, YAML_MAPPING_NODE, "'serve'"))
		return -1;
	YDOC_FOR_PAIRS(d->y, m, k, v)
	{
		key = ydoc_scalar(k);
		if (key && !strcmp(key, "listen")) {
			if (get_str(d, v, key, sv->listen, sizeof(sv->listen), true))
				return -1;
			if (serve_listen_check(sv->listen))
				return ydoc_error(d->y, v,
						  "'listen' must be HOST:PORT (port 1-65535)");
			listen = v;
		} else if (key && !strcmp(key, "tls_cert")) {
			if (get_str(d, v, key, sv->tls_cert, sizeof(sv->tls_cert), true))
				return -1;
		} else if (key && !strcmp(key, "tls_key")) {
			if (get_str(d, v, key, sv->tls_key, sizeof(sv->tls_key), true))
				return -1;
		} else if (key && !strcmp(key, "insecure_http")) {
			if (get_bool(d, v, key, &sv->insecure_http))
				return -1;
		} else
			return unknown(d, k, "serve", "listen, tls_cert, tls_key, insecure_http");
	}
	if (!listen)
		return ydoc_error(d->y, m, "'serve' needs 'listen'");
	if (!*sv->tls_cert != !*sv->tls_key)
		return ydoc_error(d->y, m,
				  "'serve' needs both 'tls_cert' and 'tls_key', or neither");
	return 0;
}

static int ringbuf(struct dcfg *d, yaml_node_t *v)
{
	const char *s = ydoc_scalar(v);
	uint64_t mb;

	if (!s || parse_u64(s, &mb) || !mb || mb > 1024 || (mb & (mb - 1)))
		return ydoc_error(d->y, v, "'ringbuf_mb' must be a power of two from 1 to 1024");
	d->c->ringbuf_mb = (uint32_t)mb;
	return 0;
}

static int otlp_addr(struct dcfg *d, yaml_node_t *v)
{
	struct daemon_config *c = d->c;
	char host[64];
	uint16_t port;
	int family;

	if (get_str(d, v, "otlp_receiver", c->otlp_receiver, sizeof(c->otlp_receiver), true))
		return -1;
	if (otlp_receiver_parse_addr(c->otlp_receiver, host, sizeof(host), &port, &family))
		return ydoc_error(d->y, v, "otlp_receiver: expected a loopback HOST:PORT");
	return 0;
}

static int top_key(struct dcfg *d, yaml_node_t *k, yaml_node_t *v)
{
	struct daemon_config *c = d->c;
	const char *key = ydoc_scalar(k);

	if (!key)
		return ydoc_error(d->y, k, "keys must be plain values");
	if (!strcmp(key, "pipeline"))
		return get_str(d, v, key, c->pipeline, sizeof(c->pipeline), true);
	if (!strcmp(key, "socket"))
		return get_str(d, v, key, c->socket, sizeof(c->socket), true);
	if (!strcmp(key, "socket_group"))
		return get_str(d, v, key, c->socket_group, sizeof(c->socket_group), true);
	if (!strcmp(key, "db"))
		return get_str(d, v, key, c->db, sizeof(c->db), true);
	if (!strcmp(key, "metrics"))
		return get_str(d, v, key, c->metrics, sizeof(c->metrics), true);
	if (!strcmp(key, "otlp_receiver"))
		return otlp_addr(d, v);
	if (!strcmp(key, "ringbuf_mb"))
		return ringbuf(d, v);
	if (!strcmp(key, "fail_closed"))
		return get_bool(d, v, key, &c->fail_closed);
	if (!strcmp(key, "auto_adopt"))
		return section_auto(d, v);
	if (!strcmp(key, "serve"))
		return section_serve(d, v);
	return unknown(d, k, "the daemon configuration",
		       "pipeline, socket, socket_group, db, metrics, otlp_receiver, ringbuf_mb, "
		       "fail_closed, "
		       "auto_adopt, serve");
}

static int parse_root(struct dcfg *d)
{
	yaml_node_t *root = ydoc_root(d->y), *k, *v;

	if (!root)
		return 0; /* an empty file: the defaults */
	if (want(d, root, YAML_MAPPING_NODE, "the daemon configuration"))
		return -1;
	YDOC_FOR_PAIRS(d->y, root, k, v)
	if (top_key(d, k, v))
		return -1;
	return 0;
}

/* Parse a loaded document into a copy of c; c takes it only on success. */
static int apply_doc(struct daemon_config *c, struct ydoc *y, char *err, size_t errlen)
{
	struct daemon_config *copy = malloc(sizeof(*copy));
	struct dcfg d = {.y = y, .c = copy};
	int rc;

	if (!copy) {
		snprintf(err, errlen, "%s: out of memory", y->file);
		return -1;
	}
	*copy = *c;
	rc = parse_root(&d);
	if (!rc)
		*c = *copy;
	free(copy);
	return rc;
}

int daemon_config_parse(struct daemon_config *c, const char *name, const char *text, size_t len,
			char *err, size_t errlen)
{
	struct ydoc y;
	int rc;

	if (ydoc_load(&y, name, text, len, err, errlen))
		return -1;
	rc = apply_doc(c, &y, err, errlen);
	ydoc_free(&y);
	return rc;
}

int daemon_config_load(struct daemon_config *c, const char *path, char *err, size_t errlen)
{
	struct ydoc y;
	int rc;

	if (ydoc_load_file(&y, path, err, errlen))
		return -1;
	rc = apply_doc(c, &y, err, errlen);
	ydoc_free(&y);
	return rc;
}

const struct daemon_agent_rule *daemon_config_agent(const struct daemon_config *c, const char *exe)
{
	const char *base = strrchr(exe, '/');
	size_t i;

	base = base ? base + 1 : exe;
	for (i = 0; i < c->nagents; i++)
		if (*c->agents[i].exe && !strcmp(c->agents[i].exe, base))
			return &c->agents[i];
	return NULL;
}
