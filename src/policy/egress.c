/* egress.c: the `egress:` section of the policy file.
 *
 *   egress:
 *     default: deny | allow          (required)
 *     mode: enforce | audit          (enforce)
 *     raw_sockets: deny | allow      (follows default)
 *     resolvers: [IP, ...]           (DNS servers the session may use;
 *                                     default: nameservers of /etc/resolv.conf)
 *     allow: [RULE, ...]
 *     deny:  [RULE, ...]
 *   RULE: {domain: NAME | "*.NAME", ports: [N | "LO-HI", ...], transport: tcp|udp}
 *       | {cidr: ADDR[/LEN], ports: ..., transport: ...}
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "util/yaml.h"

#define scalar ydoc_scalar

uint64_t egress_domain_hash(const char *s)
{
	uint64_t h = PR_FNV_OFFSET;
	size_t n = strlen(s);

	while (n--) {
		h ^= (uint8_t)s[n];
		h *= PR_FNV_PRIME;
	}
	return h;
}

bool egress_valid_domain(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (!n || n > 253 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-' ||
		      *s == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

int egress_parse_cidr(const char *s, uint8_t net[16], int *prefix, bool *v4)
{
	char buf[128], *slash;
	struct in_addr a4;
	struct in6_addr a6;
	long len = -1;
	int bits, i;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if ((slash = strchr(buf, '/'))) {
		char *end;
		*slash = 0;
		if (!slash[1] || !isdigit((unsigned char)slash[1]))
			return -1;
		len = strtol(slash + 1, &end, 10);
		if (*end)
			return -1;
	}
	memset(net, 0, 16);
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (len > 32)
			return -1;
		*v4 = true;
		net[10] = net[11] = 0xff;
		memcpy(net + 12, &a4, 4);
		bits = 96 + (len < 0 ? 32 : (int)len);
	} else if (inet_pton(AF_INET6, buf, &a6) == 1) {
		if (len > 128)
			return -1;
		*v4 = false;
		memcpy(net, &a6, 16);
		bits = len < 0 ? 128 : (int)len;
	} else {
		return -1;
	}
	for (i = 0; i < 16; i++) { /* clear host bits */
		int keep = bits - i * 8;
		if (keep <= 0)
			net[i] = 0;
		else if (keep < 8)
			net[i] &= (uint8_t)(0xff << (8 - keep));
	}
	*prefix = bits;
	return 0;
}

static int parse_port(struct policy_ctx *c, yaml_node_t *n, struct egress_rule *r)
{
	const char *s = scalar(n);
	char *end;
	long lo, hi;

	if (!s)
		return policy_error(c, n, "a port must be a number or a range 'LO-HI'");
	lo = strtol(s, &end, 10);
	hi = lo;
	if (end != s && *end == '-') {
		const char *h = end + 1;
		hi = strtol(h, &end, 10);
		if (end == h)
			return policy_error(c, n, "bad port range '%s'", s);
	}
	if (end == s || *end || lo < 1 || hi > 65535 || lo > hi)
		return policy_error(c, n, "bad port '%s' (1-65535, or a range LO-HI with LO <= HI)",
				    s);
	if (r->nports >= PR_RULE_PORTS)
		return policy_error(c, n, "at most %d ports or ranges per rule", PR_RULE_PORTS);
	r->port_lo[r->nports] = (uint16_t)lo;
	r->port_hi[r->nports] = (uint16_t)hi;
	r->nports++;
	return 0;
}

static int parse_ports(struct policy_ctx *c, yaml_node_t *n, struct egress_rule *r)
{
	yaml_node_item_t *it;

	if (n->type == YAML_SCALAR_NODE)
		return parse_port(c, n, r);
	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'ports' must be a list, e.g. [443, 8000-9000]");
	if (n->data.sequence.items.start == n->data.sequence.items.top)
		return policy_error(c, n, "'ports' is empty (leave it out for any port)");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if (parse_port(c, ydoc_node(c->y, *it), r))
			return -1;
	return 0;
}

static void rule_name(struct egress_rule *r)
{
	char ports[128] = "", *p = ports;
	int i;

	for (i = 0; i < r->nports; i++) {
		if (r->port_lo[i] == r->port_hi[i])
			p += sprintf(p, "%s%u", i ? "," : " ports ", r->port_lo[i]);
		else
			p += sprintf(p, "%s%u-%u", i ? "," : " ports ", r->port_lo[i],
				     r->port_hi[i]);
	}
	char name[POLICY_RULE_NAME];
	snprintf(name, sizeof(name), "%s %s%s%s%s", r->action == PR_RULE_DENY ? "deny" : "allow",
		 r->kind == PR_RULE_DOMAIN && r->wildcard ? "*." : "", r->domain, ports,
		 r->transport == PR_TRANSPORT_TCP   ? " tcp"
		 : r->transport == PR_TRANSPORT_UDP ? " udp"
						    : "");
	memcpy(r->name, name, sizeof(name));
}

int egress_parse_rule(struct policy_ctx *c, yaml_node_t *n, int action, struct egress_policy *e)
{
	struct egress_rule *r;
	yaml_node_pair_t *pair;
	bool has_target = false;

	if (n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "a rule is a mapping with 'domain' or 'cidr' (and optional "
				    "'ports', 'transport')");
	if (e->nrules >= POLICY_MAX_RULES)
		return policy_error(c, n, "too many rules (at most %d)", POLICY_MAX_RULES);
	r = &e->rules[e->nrules];
	memset(r, 0, sizeof(*r));
	r->action = action;
	r->line = ydoc_line(n);
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ydoc_node(c->y, pair->key);
		yaml_node_t *v = ydoc_node(c->y, pair->value);
		const char *key = scalar(k), *val = scalar(v);

		if (!key)
			return policy_error(c, k, "rule keys must be words");
		if (!strcmp(key, "domain") || !strcmp(key, "cidr")) {
			if (has_target)
				return policy_error(c, k,
						    "a rule has exactly one of 'domain' or 'cidr'");
			has_target = true;
			if (!val || !*val)
				return policy_error(c, v, "'%s' needs a value", key);
		}
		if (!strcmp(key, "domain")) {
			char low[256];
			size_t i;
			const char *d = val;
			if (strlen(val) >= sizeof(low))
				return policy_error(c, v, "domain is too long");
			for (i = 0; val[i]; i++)
				low[i] = (char)tolower((unsigned char)val[i]);
			low[i] = 0;
			d = low;
			r->kind = PR_RULE_DOMAIN;
			if (!strncmp(d, "*.", 2)) {
				r->wildcard = true;
				d += 2;
			}
			if (d[strlen(d) ? strlen(d) - 1 : 0] == '.' && strlen(d) > 1)
				low[strlen(low) - 1] = 0; /* a trailing root dot is allowed */
			if (!egress_valid_domain(d))
				return policy_error(
					c, v,
					"'%s' is not a domain name (letters, digits, '-', "
					"dots; a leading '*.' for subdomains)",
					val);
			snprintf(r->domain, sizeof(r->domain), "%s", d);
		} else if (!strcmp(key, "cidr")) {
			r->kind = PR_RULE_CIDR;
			if (egress_parse_cidr(val, r->net, &r->prefix, &r->v4))
				return policy_error(
					c, v,
					"'%s' is not an address or CIDR (e.g. 10.0.0.0/8, "
					"fd00::/8)",
					val);
			snprintf(r->domain, sizeof(r->domain), "%s", val);
		} else if (!strcmp(key, "ports")) {
			if (parse_ports(c, v, r))
				return -1;
		} else if (!strcmp(key, "transport")) {
			if (val && !strcmp(val, "tcp"))
				r->transport = PR_TRANSPORT_TCP;
			else if (val && !strcmp(val, "udp"))
				r->transport = PR_TRANSPORT_UDP;
			else if (val && !strcmp(val, "any"))
				r->transport = 0;
			else
				return policy_error(c, v, "transport must be tcp, udp or any");
		} else {
			return policy_error(c, k,
					    "unknown rule key '%s' (known: domain, cidr, ports, "
					    "transport)",
					    key);
		}
	}
	if (!has_target)
		return policy_error(c, n, "a rule needs 'domain' or 'cidr'");
	rule_name(r);
	e->nrules++;
	return 0;
}

static int parse_rules(struct policy_ctx *c, yaml_node_t *n, int action, struct egress_policy *e)
{
	yaml_node_item_t *it;

	if (n->type == YAML_SCALAR_NODE && !*scalar(n))
		return 0; /* "allow:" with nothing */
	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'%s' must be a list of rules",
				    action == PR_RULE_DENY ? "deny" : "allow");
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if (egress_parse_rule(c, ydoc_node(c->y, *it), action, e))
			return -1;
	return 0;
}

int egress_add_resolver(struct egress_policy *e, const char *addr)
{
	struct egress_rule *r;

	if (e->nrules >= POLICY_MAX_RULES)
		return -1;
	r = &e->rules[e->nrules];
	memset(r, 0, sizeof(*r));
	if (egress_parse_cidr(addr, r->net, &r->prefix, &r->v4) || strchr(addr, '/'))
		return -1;
	r->action = PR_RULE_ALLOW;
	r->kind = PR_RULE_CIDR;
	r->resolver = true;
	r->nports = 1;
	r->port_lo[0] = r->port_hi[0] = 53;
	snprintf(r->domain, sizeof(r->domain), "%s", addr);
	snprintf(r->name, sizeof(r->name), "resolver %s", addr);
	e->nrules++;
	return 0;
}

static int parse_resolvers(struct policy_ctx *c, yaml_node_t *n, struct egress_policy *e)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE)
		return policy_error(c, n, "'resolvers' must be a list of IP addresses");
	e->resolvers_set = true;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *v = ydoc_node(c->y, *it);
		const char *s = scalar(v);
		if (!s || egress_add_resolver(e, s))
			return policy_error(c, v, "'%s' is not an IP address%s", s ? s : "",
					    e->nrules >= POLICY_MAX_RULES ? " (or too many rules)"
									  : "");
		e->rules[e->nrules - 1].line = ydoc_line(v);
	}
	return 0;
}

static int parse_choice(struct policy_ctx *c, yaml_node_t *v, const char *key, const char *a,
			const char *b, bool *is_b)
{
	const char *s = scalar(v);

	if (s && !strcmp(s, a))
		*is_b = false;
	else if (s && !strcmp(s, b))
		*is_b = true;
	else
		return policy_error(c, v, "%s must be '%s' or '%s'", key, a, b);
	return 0;
}

int egress_parse(struct policy_ctx *c, yaml_node_t *n, struct egress_policy *e)
{
	yaml_node_pair_t *pair;
	bool has_default = false, raw_set = false, b;
	yaml_node_t *allow = NULL, *deny = NULL, *resolvers = NULL;

	if (!n || n->type != YAML_MAPPING_NODE)
		return policy_error(c, n,
				    "'egress' must be a mapping (default, mode, "
				    "allow, deny, ...)");
	e->line = ydoc_line(n);
	for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = ydoc_node(c->y, pair->key);
		yaml_node_t *v = ydoc_node(c->y, pair->value);
		const char *key = scalar(k);

		if (!key)
			return policy_error(c, k, "egress keys must be words");
		if (!strcmp(key, "default")) {
			if (parse_choice(c, v, "default", "allow", "deny", &b))
				return -1;
			e->default_deny = b;
			has_default = true;
		} else if (!strcmp(key, "mode")) {
			if (parse_choice(c, v, "mode", "enforce", "audit", &b))
				return -1;
			e->mode = b ? PR_MODE_AUDIT : PR_MODE_ENFORCE;
		} else if (!strcmp(key, "raw_sockets")) {
			if (parse_choice(c, v, "raw_sockets", "allow", "deny", &b))
				return -1;
			e->raw_deny = b;
			raw_set = true;
		} else if (!strcmp(key, "allow")) {
			allow = v; /* keys are unique (util/yaml.h) */
		} else if (!strcmp(key, "deny")) {
			deny = v;
		} else if (!strcmp(key, "resolvers")) {
			resolvers = v;
		} else {
			return policy_error(c, k,
					    "unknown egress key '%s' (known: default, mode, allow, "
					    "deny, resolvers, raw_sockets)",
					    key);
		}
	}
	if (!has_default)
		return policy_error(c, n, "egress needs 'default: allow' or 'default: deny'");
	if (!raw_set)
		e->raw_deny = e->default_deny;
	/* deny rules first: they win, and their order is the reporting order */
	if (deny && parse_rules(c, deny, PR_RULE_DENY, e))
		return -1;
	if (allow && parse_rules(c, allow, PR_RULE_ALLOW, e))
		return -1;
	if (resolvers && parse_resolvers(c, resolvers, e))
		return -1;
	return 0;
}

const char *policy_rule_name(const struct egress_policy *e, int rule)
{
	switch (rule) {
	case PR_RULE_NONE: return "none";
	case PR_RULE_RAW: return "raw-socket";
	case PR_RULE_DEFAULT: return e && e->default_deny ? "default deny" : "default allow";
	}
	if (!e || rule < 0 || rule >= e->nrules)
		return "unknown";
	return e->rules[rule].name;
}
