/* netsink.c: URL parsing, spool-backed write(), the sender thread with
 * retry/backoff, drop reporting and close-time draining for network sinks. */
#include "sinks/netsink.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/recser.h"
#include "util/hash.h"
#include "util/util.h"

struct netsink_defaults netsink_defaults = {
	.spool_dir = "",
	.spool_max_bytes = 256ull << 20,
	.drain_ms = 5000,
};

const double netsink_latency_bounds_s[8] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};

static int pct_decode(const char *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	for (i = 0; i < n && o + 1 < outlen; i++) {
		if (in[i] == '%' && i + 2 < n + 0 && isxdigit((unsigned char)in[i + 1]) &&
		    isxdigit((unsigned char)in[i + 2])) {
			char hex[3] = {in[i + 1], in[i + 2], 0};
			out[o++] = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			out[o++] = in[i] == '+' ? ' ' : in[i];
		}
	}
	out[o] = 0;
	return i < n ? -1 : 0;
}

static int parse_query(const char *q, struct sink_url *u, char *err, size_t errlen)
{
	while (q && *q) {
		const char *amp = strchr(q, '&'), *eq;
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		if (len) {
			if (u->nparams >= URL_MAX_PARAMS) {
				snprintf(err, errlen, "too many URL parameters");
				return -1;
			}
			eq = memchr(q, '=', len);
			if (pct_decode(q, eq ? (size_t)(eq - q) : len, u->keys[u->nparams], 32) ||
			    (eq && pct_decode(eq + 1, len - (size_t)(eq - q) - 1,
					      u->vals[u->nparams], 256))) {
				snprintf(err, errlen, "URL parameter too long");
				return -1;
			}
			u->nparams++;
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

int sink_url_parse(const char *scheme, const char *rest, struct sink_url *u, char *err,
		   size_t errlen)
{
	const char *p = rest, *hend, *q, *slash;
	char portbuf[16];
	size_t hl;

	memset(u, 0, sizeof(*u));
	snprintf(u->scheme, sizeof(u->scheme), "%s", scheme);
	if (strncmp(p, "//", 2)) {
		snprintf(err, errlen, "%.200s: expected %s://HOST:PORT", scheme, scheme);
		return -1;
	}
	p += 2;
	q = strchr(p, '?');
	slash = strchr(p, '/');
	if (slash && q && slash > q)
		slash = NULL;
	hend = slash ? slash : q ? q : p + strlen(p);
	if (*p == '[') { /* [v6]:port */
		const char *rb = memchr(p, ']', (size_t)(hend - p));
		if (!rb) {
			snprintf(err, errlen, "%.200s: bad IPv6 host", scheme);
			return -1;
		}
		hl = (size_t)(rb - p - 1);
		if (hl >= sizeof(u->host))
			goto toolong;
		memcpy(u->host, p + 1, hl);
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(hend - p));
		const char *he = colon ? colon : hend;
		hl = (size_t)(he - p);
		if (hl >= sizeof(u->host))
			goto toolong;
		memcpy(u->host, p, hl);
		p = he;
	}
	if (*p == ':') {
		size_t pl = (size_t)(hend - p - 1);
		int port;
		if (pl == 0 || pl >= sizeof(portbuf))
			goto badport;
		memcpy(portbuf, p + 1, pl);
		portbuf[pl] = 0;
		if (parse_int(portbuf, &port) || port <= 0 || port > 65535)
			goto badport;
		u->port = port;
	}
	if (!u->host[0]) {
		snprintf(err, errlen, "%.200s: missing host", scheme);
		return -1;
	}
	if (slash) {
		size_t pl = (size_t)((q ? q : slash + strlen(slash)) - slash);
		if (pl >= sizeof(u->path))
			goto toolong;
		memcpy(u->path, slash, pl);
	}
	return parse_query(q ? q + 1 : NULL, u, err, errlen);
toolong:
	snprintf(err, errlen, "%.200s: URL too long", scheme);
	return -1;
badport:
	snprintf(err, errlen, "%.200s: bad port in URL", scheme);
	return -1;
}

const char *sink_url_param(const struct sink_url *u, const char *key)
{
	int i;
	for (i = 0; i < u->nparams; i++)
		if (!strcmp(u->keys[i], key))
			return u->vals[i];
	return NULL;
}

struct netsink *netsink_of(struct sink *s)
{
	return s && s->ops && s->ops->write == netsink_write ? s->priv : NULL;
}

static void push_drop(struct netsink *ns, enum drop_reason why, uint64_t key, uint64_t n)
{
	size_t i;

	/* Caller holds ns->mu. Merge with the last entry when possible. */
	for (i = ns->ndrops; i-- > 0;) {
		if (ns->dropq[i].why == why && ns->dropq[i].session_key == key) {
			ns->dropq[i].n += n;
			return;
		}
	}
	if (ns->ndrops < NETSINK_DROPQ) {
		ns->dropq[ns->ndrops++] = (struct sink_drop){why, key, n};
		return;
	}
	ns->dropq[NETSINK_DROPQ - 1].n += n; /* never lose the count itself */
}

static void on_evict(void *ctx, uint64_t key)
{
	struct netsink *ns = ctx;
	/* Called under the spool lock from append (pipeline thread). */
	pthread_mutex_lock(&ns->mu);
	push_drop(ns, DROP_SPOOL_FULL, key, 1);
	ns->st.spool_evicted++;
	pthread_mutex_unlock(&ns->mu);
}

size_t netsink_take_drops(struct sink *s, struct sink_drop *d, size_t max)
{
	struct netsink *ns = netsink_of(s);
	size_t n;

	if (!ns)
		return 0;
	pthread_mutex_lock(&ns->mu);
	n = ns->ndrops < max ? ns->ndrops : max;
	memcpy(d, ns->dropq, n * sizeof(*d));
	memmove(ns->dropq, ns->dropq + n, (ns->ndrops - n) * sizeof(*d));
	ns->ndrops -= n;
	pthread_mutex_unlock(&ns->mu);
	return n;
}

bool netsink_up(struct netsink *ns)
{
	bool up;
	pthread_mutex_lock(&ns->mu);
	up = ns->up;
	pthread_mutex_unlock(&ns->mu);
	return up;
}

bool netsink_healthy(struct sink *s, char *why, size_t whylen)
{
	struct netsink *ns = netsink_of(s);
	bool up = true;

	if (!ns)
		return true;
	pthread_mutex_lock(&ns->mu);
	if (!ns->up) {
		up = false;
		snprintf(why, whylen, "sink %s is not delivering: %s", ns->display, ns->last_error);
	}
	pthread_mutex_unlock(&ns->mu);
	return up;
}

void netsink_stats(struct netsink *ns, struct netsink_stats *out)
{
	pthread_mutex_lock(&ns->mu);
	*out = ns->st;
	pthread_mutex_unlock(&ns->mu);
}

uint64_t netsink_spool_pending(struct netsink *ns)
{
	return spool_pending(ns->spool);
}

uint64_t netsink_spool_bytes(struct netsink *ns)
{
	return spool_bytes(ns->spool);
}

/* Sleep until deadline or until woken for stop; returns true when stopping. */
/* Back off for ms (new events do not cut it short: Retry-After is
 * honoured); a stop request shortens it to the drain deadline. Returns true
 * when the drain deadline has passed. */
static bool wait_ms(struct netsink *ns, uint64_t ms)
{
	uint64_t until = now_monotonic_ns() + ms * 1000000ull;
	bool over;

	pthread_mutex_lock(&ns->mu);
	for (;;) {
		uint64_t now = now_monotonic_ns(), end = until, left;
		struct timespec ts;
		if (ns->stop && ns->drain_deadline_ns < end)
			end = ns->drain_deadline_ns;
		if (now >= end)
			break;
		left = end - now;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(left / 1000000000ull);
		ts.tv_nsec += (long)(left % 1000000000ull);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&ns->cv, &ns->mu, &ts);
	}
	over = ns->stop && now_monotonic_ns() >= ns->drain_deadline_ns;
	pthread_mutex_unlock(&ns->mu);
	return over;
}

static void note_latency(struct netsink *ns, uint64_t ns_taken)
{
	double s = (double)ns_taken / 1e9;
	int i;
	ns->st.latency_ns_sum += ns_taken;
	ns->st.latency_count++;
	for (i = 0; i < 8; i++)
		if (s <= netsink_latency_bounds_s[i])
			ns->st.latency_buckets[i]++;
}

#define DESER_CAP 1000

struct sender {
	struct record recs[DESER_CAP];
	struct record *ptrs[DESER_CAP];
	struct strbuf buf;
};

/* Decode a peeked batch into records; undecodable entries become drops. */
static size_t decode_batch(struct netsink *ns, struct sender *sd, size_t n)
{
	const char *p = sd->buf.buf;
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		uint32_t len;
		memcpy(&len, p, 4);
		if (!record_deserialize(&sd->recs[k], p + 4, len))
			sd->ptrs[k] = &sd->recs[k], k++;
		else {
			pthread_mutex_lock(&ns->mu);
			push_drop(ns, DROP_DECODE, 0, 1);
			pthread_mutex_unlock(&ns->mu);
		}
		p += 4 + len;
	}
	return k;
}

static void reject_records(struct netsink *ns, struct record *const *recs, size_t n,
			   size_t rejected)
{
	size_t i;

	/* Which records were refused is sink-specific; attribute by session. */
	pthread_mutex_lock(&ns->mu);
	for (i = 0; i < rejected && i < n; i++)
		push_drop(ns, DROP_SINK_ERROR, recs[n - 1 - i]->session_key, 1);
	ns->st.records_rejected += rejected;
	pthread_mutex_unlock(&ns->mu);
}

static bool should_exit(struct netsink *ns)
{
	bool stop;
	uint64_t deadline;

	/* Never hold ns->mu while taking the spool lock: eviction takes them
	 * in the other order. */
	pthread_mutex_lock(&ns->mu);
	stop = ns->stop;
	deadline = ns->drain_deadline_ns;
	pthread_mutex_unlock(&ns->mu);
	return stop && (now_monotonic_ns() >= deadline || !spool_pending(ns->spool));
}

static void *sender_main(void *arg)
{
	struct netsink *ns = arg;
	struct sender *sd = calloc(1, sizeof(*sd));
	size_t max = ns->ops->max_batch ? ns->ops->max_batch : 500, i;
	uint64_t backoff = 100;

	if (!sd)
		return NULL;
	for (i = 0; i < DESER_CAP; i++)
		record_init(&sd->recs[i]);
	if (max > DESER_CAP)
		max = DESER_CAP;
	while (!should_exit(ns)) {
		struct spool_pos next;
		struct send_result res;
		size_t n, k;
		uint64_t t0;

		n = spool_peek(ns->spool, max, 8u << 20, &sd->buf, &next);
		if (!n && !next.consumed) {
			pthread_mutex_lock(&ns->mu);
			if (!ns->kick && !ns->stop)
				pthread_cond_wait(&ns->cv, &ns->mu);
			ns->kick = false;
			pthread_mutex_unlock(&ns->mu);
			continue;
		}
		k = decode_batch(ns, sd, n);
		if (next.corrupt) {
			pthread_mutex_lock(&ns->mu);
			push_drop(ns, DROP_DECODE, 0, next.corrupt);
			pthread_mutex_unlock(&ns->mu);
		}
		memset(&res, 0, sizeof(res));
		t0 = now_monotonic_ns();
		if (k)
			ns->ops->send(ns, sd->ptrs, k, &res);
		pthread_mutex_lock(&ns->mu);
		note_latency(ns, now_monotonic_ns() - t0);
		ns->st.sends++;
		if (res.st == SEND_RETRY) {
			ns->st.send_failures++;
			ns->st.retries++;
			ns->up = false;
			snprintf(ns->last_error, sizeof(ns->last_error), "%s", res.msg);
		} else {
			ns->up = true;
			if (res.st == SEND_OK) {
				ns->st.records_sent += k - (res.rejected < k ? res.rejected : k);
			} else {
				ns->st.send_failures++;
				snprintf(ns->last_error, sizeof(ns->last_error), "%s", res.msg);
			}
		}
		pthread_mutex_unlock(&ns->mu);
		if (res.st == SEND_RETRY) {
			uint64_t ms = res.retry_after_ms ? res.retry_after_ms : backoff;
			if (ms > 30000)
				ms = 30000;
			backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
			if (wait_ms(ns, ms))
				break;
			continue;
		}
		backoff = 100;
		if (res.st == SEND_REJECTED)
			reject_records(ns, sd->ptrs, k, k);
		else if (res.rejected)
			reject_records(ns, sd->ptrs, k, res.rejected);
		spool_commit(ns->spool, &next);
	}
	for (i = 0; i < DESER_CAP; i++)
		record_free(&sd->recs[i]);
	sb_free(&sd->buf);
	free(sd);
	return NULL;
}

/* The sender must not take signals meant for the main thread's signalfd
 * (SIGCHLD...): it starts with every signal blocked. */
static int start_thread_nosig(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* A sink's spool belongs to its destination (scheme://host:port/path), not
 * to its options: changing a token, CA or format keeps the backlog. */
static void spool_dir_for(const struct netsink *ns, char *out, size_t len)
{
	const char *base = sink_url_param(&ns->url, "spool_dir");
	uint64_t h = fnv1a_64(ns->display, strlen(ns->display), FNV1A_64_SEED);
	const char *p;
	char safe[64];
	size_t i = 0;

	/* ?spool_dir=, then the config file, $PROCTOR_SPOOL_DIR, next to the
	 * store, and the system default. */
	if (!base || !*base)
		base = netsink_defaults.spool_dir[0] ? netsink_defaults.spool_dir
						     : getenv("PROCTOR_SPOOL_DIR");
	if (!base || !*base)
		base = netsink_defaults.store_spool_dir[0] ? netsink_defaults.store_spool_dir
							   : NULL;
	if (!base || !*base)
		base = "/var/lib/proctor/spool";
	for (p = ns->display; *p && i + 1 < sizeof(safe); p++)
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '-')
			safe[i++] = *p;
		else if (i && safe[i - 1] != '_')
			safe[i++] = '_';
	safe[i] = 0;
	snprintf(out, len, "%s/%s-%016" PRIx64, base, safe, h);
}

static int check_params(struct netsink *ns, char *err, size_t errlen)
{
	static const char *const common[] = {"spool_dir", "spool_max", "drain", NULL};
	const char *const *lists[] = {common, ns->ops->params};
	int i, l, k;

	for (i = 0; i < ns->url.nparams; i++) {
		bool ok = false;
		for (l = 0; l < 2 && !ok; l++)
			for (k = 0; lists[l] && lists[l][k] && !ok; k++)
				ok = !strcmp(lists[l][k], ns->url.keys[i]);
		if (!ok) {
			snprintf(err, errlen, "%.200s: unknown option '%s'", ns->display,
				 ns->url.keys[i]);
			return -1;
		}
	}
	return 0;
}

#define SPOOL_SIBLINGS 8

/* The sink's spool is DIR, or DIR.2 .. DIR.8 when another proctor (or a
 * second sink with the same URL) holds DIR. Among the free ones, one that
 * still holds undelivered events is preferred, so leftovers of concurrent
 * runs are replayed too. */
static struct spool *open_free_spool(struct netsink *ns, const char *dir, uint64_t max, char *err,
				     size_t errlen)
{
	struct spool *chosen = NULL, *sp;
	char cand[1100];
	struct stat st;
	int k;

	for (k = 1; k <= SPOOL_SIBLINGS; k++) {
		if (k == 1)
			snprintf(cand, sizeof(cand), "%s", dir);
		else
			snprintf(cand, sizeof(cand), "%s.%d", dir, k);
		if (chosen && stat(cand, &st))
			continue; /* only existing siblings once we have one */
		sp = spool_open(cand, max, on_evict, ns, err, errlen);
		if (!sp) {
			if (errno == EWOULDBLOCK)
				continue;
			spool_close(chosen);
			return NULL;
		}
		if (!chosen || (!spool_pending(chosen) && spool_pending(sp))) {
			spool_close(chosen);
			chosen = sp;
			snprintf(ns->spool_dir, sizeof(ns->spool_dir), "%s", cand);
		} else {
			spool_close(sp);
		}
		if (spool_pending(chosen))
			break;
	}
	if (!chosen)
		snprintf(err, errlen, "%.200s: every spool under %.600s is in use", ns->display,
			 dir);
	return chosen;
}

/* Remove the spool directory this open created (nothing was appended to it:
 * only its lock file and empty segments). */
static void remove_empty_spool(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1400];

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || (de->d_name[1] && strcmp(de->d_name, ".."))) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

int netsink_open(struct sink *s, const char *scheme, const char *rest,
		 const struct netsink_ops *ops, char *err, size_t errlen)
{
	struct netsink *ns = calloc(1, sizeof(*ns));
	char dir[1024];
	const char *v;
	uint64_t max = netsink_defaults.spool_max_bytes;
	struct stat sb;
	bool fresh;

	if (!ns) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ns->sink = s;
	ns->ops = ops;
	ns->drain_ms = netsink_defaults.drain_ms;
	pthread_mutex_init(&ns->mu, NULL);
	pthread_cond_init(&ns->cv, NULL);
	if (sink_url_parse(scheme, rest, &ns->url, err, errlen))
		goto fail;
	snprintf(ns->display, sizeof(ns->display), "%s://%s:%d%s", scheme, ns->url.host,
		 ns->url.port, ns->url.path);
	if (check_params(ns, err, errlen))
		goto fail;
	if ((v = sink_url_param(&ns->url, "spool_max")) && (parse_size(v, &max) || !max)) {
		snprintf(err, errlen, "%.200s: bad spool_max '%s'", ns->display, v);
		goto fail;
	}
	if ((v = sink_url_param(&ns->url, "drain")) && parse_duration_ns(v, &ns->drain_ms) == 0)
		ns->drain_ms /= 1000000;
	else if (v) {
		snprintf(err, errlen, "%.200s: bad drain '%s'", ns->display, v);
		goto fail;
	}
	spool_dir_for(ns, dir, sizeof(dir));
	fresh = stat(dir, &sb) != 0;
	if (!(ns->spool = open_free_spool(ns, dir, max, err, errlen)))
		goto fail;
	s->priv = ns;
	if (ops->open(ns, err, errlen))
		goto fail_spool;
	ns->up = true;
	if (start_thread_nosig(&ns->thread, sender_main, ns)) {
		snprintf(err, errlen, "%.200s: cannot start sender thread", ns->display);
		if (ops->close)
			ops->close(ns);
		goto fail_spool;
	}
	ns->started = true;
	return 0;
fail_spool:
	spool_close(ns->spool);
	if (fresh && !strcmp(ns->spool_dir, dir)) /* a rejected sink leaves no spool behind */
		remove_empty_spool(dir);
fail:
	s->priv = NULL;
	pthread_cond_destroy(&ns->cv);
	pthread_mutex_destroy(&ns->mu);
	free(ns);
	return -1;
}

int netsink_write(struct sink *s, struct record *const *recs, size_t n)
{
	struct netsink *ns = s->priv;
	size_t i;

	for (i = 0; i < n; i++) {
		if (record_serialize(recs[i], &ns->ser) ||
		    spool_append(ns->spool, ns->ser.buf, ns->ser.len, recs[i]->session_key)) {
			/* The disk refused: the pipeline counts the whole batch, so
			 * only fail when nothing of it was stored. */
			if (!i)
				return -1;
			pthread_mutex_lock(&ns->mu);
			push_drop(ns, DROP_SINK_ERROR, recs[i]->session_key, n - i);
			pthread_mutex_unlock(&ns->mu);
			break;
		}
	}
	return 0;
}

int netsink_flush(struct sink *s)
{
	struct netsink *ns = s->priv;

	pthread_mutex_lock(&ns->mu);
	ns->kick = true;
	pthread_cond_signal(&ns->cv);
	pthread_mutex_unlock(&ns->mu);
	return 0;
}

bool netsink_wait_idle(struct netsink *ns, uint64_t timeout_ms)
{
	uint64_t end = now_monotonic_ns() + timeout_ms * 1000000ull;

	netsink_flush(ns->sink);
	while (spool_pending(ns->spool)) {
		struct timespec ts = {0, 5000000};
		if (now_monotonic_ns() >= end)
			return false;
		nanosleep(&ts, NULL);
	}
	return true;
}

void netsink_request_stop(struct sink *s)
{
	struct netsink *ns = netsink_of(s);

	if (!ns || !ns->started)
		return;
	pthread_mutex_lock(&ns->mu);
	if (!ns->stop) {
		ns->stop = true;
		ns->drain_deadline_ns = now_monotonic_ns() + ns->drain_ms * 1000000ull;
	}
	pthread_cond_broadcast(&ns->cv);
	pthread_mutex_unlock(&ns->mu);
}

void netsink_drain(struct sink *s)
{
	struct netsink *ns = netsink_of(s);

	if (!ns || !ns->started)
		return;
	netsink_request_stop(s);
	pthread_join(ns->thread, NULL);
	ns->started = false;
}

void netsink_close(struct sink *s)
{
	struct netsink *ns = s->priv;
	uint64_t left;

	if (!ns)
		return;
	netsink_drain(s);
	left = spool_pending(ns->spool);
	if (left)
		fprintf(stderr,
			"proctor: %.200s: %" PRIu64 " events not yet delivered stay spooled in %s "
			"and will be sent by the next run\n",
			ns->display, left, ns->spool_dir);
	if (ns->ops->close)
		ns->ops->close(ns);
	spool_close(ns->spool);
	sb_free(&ns->ser);
	pthread_cond_destroy(&ns->cv);
	pthread_mutex_destroy(&ns->mu);
	free(ns);
	s->priv = NULL;
}
