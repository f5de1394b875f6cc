/* container.c: cgroup path -> container runtime, id and pod uid. Each path
 * component is matched against the runtimes' naming: systemd driver scopes
 * (libpod-ID.scope, docker-ID.scope, cri-containerd-ID.scope, crio-ID.scope)
 * and cgroupfs directories (/libpod_parent/libpod-ID, /docker/ID,
 * /kubepods/QOS/podUID/ID); pods as podUID or kubepods[-QOS]-podUID.slice
 * (systemd writes the uid's dashes as underscores). */
#include "model/container.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool is_hex_id(const char *s, size_t n)
{
	size_t i;

	if (n != CONTAINER_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* comp[0..n) is PREFIX + 64 hex + optional ".scope": fill id. */
static bool match_scope(const char *comp, size_t n, const char *prefix, char *id)
{
	size_t pl = strlen(prefix), idn;

	if (n < pl || strncmp(comp, prefix, pl))
		return false;
	idn = n - pl;
	if (idn > 6 && !strncmp(comp + n - 6, ".scope", 6))
		idn -= 6;
	if (!is_hex_id(comp + pl, idn))
		return false;
	memcpy(id, comp + pl, CONTAINER_ID_LEN);
	id[CONTAINER_ID_LEN] = 0;
	return true;
}

/* A pod uid (36 chars, 8-4-4-4-12, '-' or '_' as separators). */
static bool match_uid(const char *s, size_t n, char *uid)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		bool sep = i == 8 || i == 13 || i == 18 || i == 23;
		if (sep ? (s[i] != '-' && s[i] != '_') : !isxdigit((unsigned char)s[i]))
			return false;
		uid[i] = sep ? '-' : s[i];
	}
	uid[n] = 0;
	return true;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-qos]-pod<uid>.slice" (systemd). */
static bool match_pod(const char *comp, size_t n, char *uid)
{
	const char *p;

	if (n > 3 && !strncmp(comp, "pod", 3))
		return match_uid(comp + 3, n - 3, uid);
	if (n > 6 && !strncmp(comp, "kubepods", 8) && !strncmp(comp + n - 6, ".slice", 6)) {
		for (p = comp + n - 6; p > comp && strncmp(p, "-pod", 4); p--)
			;
		if (p > comp)
			return match_uid(p + 4, (size_t)(comp + n - 6 - (p + 4)), uid);
	}
	return false;
}

static const struct {
	const char *prefix, *runtime;
} scopes[] = {
	{"libpod-", "podman"},
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
};

/* One component; prev is the component before it ("" at the top). */
static bool match_component(const char *comp, size_t n, const char *prev, size_t pn, bool kube,
			    struct container *c)
{
	size_t i;

	if ((n > 14 && !strncmp(comp, "libpod-conmon-", 14)) ||
	    (n > 12 && !strncmp(comp, "crio-conmon-", 12)))
		return false;
	for (i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (match_scope(comp, n, scopes[i].prefix, c->id)) {
			snprintf(c->runtime, sizeof(c->runtime), "%s", scopes[i].runtime);
			return true;
		}
	if (!is_hex_id(comp, n))
		return false;
	if (pn == 6 && !strncmp(prev, "docker", 6))
		snprintf(c->runtime, sizeof(c->runtime), "docker");
	else if (kube && pn > 3 && !strncmp(prev, "pod", 3))
		snprintf(c->runtime, sizeof(c->runtime), "containerd");
	else
		return false;
	memcpy(c->id, comp, CONTAINER_ID_LEN);
	c->id[CONTAINER_ID_LEN] = 0;
	return true;
}

bool container_from_cgroup(const char *path, struct container *c)
{
	const char *comp = path, *prev = "", *end;
	size_t pn = 0, n;
	bool kube = false;
	char uid[40] = "";

	memset(c, 0, sizeof(*c));
	while (*comp) {
		while (*comp == '/')
			comp++;
		if (!*comp)
			break;
		end = strchr(comp, '/');
		n = end ? (size_t)(end - comp) : strlen(comp);
		if (n >= 8 && !strncmp(comp, "kubepods", 8))
			kube = true;
		if (kube && !*uid)
			match_pod(comp, n, uid);
		if (match_component(comp, n, prev, pn, kube, c)) {
			if (kube)
				snprintf(c->pod_uid, sizeof(c->pod_uid), "%s", uid);
			return true;
		}
		prev = comp;
		pn = n;
		comp += n;
	}
	memset(c, 0, sizeof(*c));
	return false;
}
