/* stats.c: the per-session flow statistics behind the run summary: flows,
 * bytes, verdicts by destination, and who was refused what. Counted from
 * the decoded net.flow records. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "egress/session.h"
#include "util/strbuf.h"

/* Who was refused what, by which rule (for the run summary). */
static void account_refusal(struct egress_stats *st, const char *dest, uint8_t verdict,
			    const char *who, const char *rule)
{
	char line[sizeof(st->refusals[0].line)];
	uint32_t i;

	snprintf(line, sizeof(line), "%s -> %s (%s)", who, dest, rule);
	for (i = 0; i < st->nrefusals; i++) {
		if (st->refusals[i].verdict == verdict && !strcmp(st->refusals[i].line, line)) {
			st->refusals[i].count++;
			return;
		}
	}
	if (st->nrefusals >= EGRESS_TOP_DEST) {
		st->refusals_dropped++;
		return;
	}
	snprintf(st->refusals[i].line, sizeof(st->refusals[i].line), "%s", line);
	st->refusals[i].verdict = verdict;
	st->refusals[i].count = 1;
	st->nrefusals++;
}

static void account(struct egress_stats *st, const char *dest, uint8_t verdict, uint64_t out,
		    uint64_t in, const char *who, const char *rule)
{
	struct egress_dest *d = NULL;
	uint32_t i;

	st->flows++;
	st->bytes_out += out;
	st->bytes_in += in;
	st->denied += verdict == PR_VERDICT_DENIED;
	st->bypassed += verdict == PR_VERDICT_BYPASSED;
	if (verdict != PR_VERDICT_ALLOWED)
		account_refusal(st, dest, verdict, who, rule);
	for (i = 0; i < st->ndest; i++)
		if (!strcmp(st->dest[i].name, dest))
			d = &st->dest[i];
	if (!d && st->ndest < EGRESS_TOP_DEST) {
		d = &st->dest[st->ndest++];
		snprintf(d->name, sizeof(d->name), "%s", dest);
	}
	if (!d) {
		st->dest_dropped++;
		return;
	}
	d->flows++;
	d->bytes_out += out;
	d->bytes_in += in;
	d->denied += verdict == PR_VERDICT_DENIED;
	d->bypassed += verdict == PR_VERDICT_BYPASSED;
}

static int64_t int_field(const struct record *r, const char *key)
{
	int64_t v = 0;

	record_get_int(r, key, &v);
	return v;
}

static const char *str_field(const struct record *r, const char *key)
{
	const char *s = record_get_str(r, key);

	return s ? s : "";
}

static uint8_t verdict_of(const char *v)
{
	return !strcmp(v, "DENIED")	? PR_VERDICT_DENIED
	       : !strcmp(v, "BYPASSED") ? PR_VERDICT_BYPASSED
					: PR_VERDICT_ALLOWED;
}

/* "domain:port" (the address when no name is known), or "raw socket" /
 * "packet socket" for raw flows (the only ones with a protocol number). */
static void flow_dest(const struct record *r, char *dest, size_t len)
{
	const char *dom = str_field(r, "server.address");

	if (record_get(r, "network.protocol.number"))
		snprintf(dest, len, "%s socket",
			 !strcmp(str_field(r, "network.type"), "packet") ? "packet" : "raw");
	else
		snprintf(dest, len, "%s:%u", *dom ? dom : str_field(r, "network.peer.address"),
			 (unsigned)int_field(r, "network.peer.port"));
}

void egress_note_flow(struct egress_session *es, const struct record *r)
{
	char dest[PR_DOMAIN_CAP + 64], who[64];

	flow_dest(r, dest, sizeof(dest));
	snprintf(who, sizeof(who), "%.16s[%u]", str_field(r, "process.name"),
		 (unsigned)int_field(r, "process.pid"));
	account(&es->stats, dest, verdict_of(str_field(r, "verdict")),
		(uint64_t)int_field(r, "flow.bytes_out"), (uint64_t)int_field(r, "flow.bytes_in"),
		who, str_field(r, "policy.rule"));
}

static void print_bytes(FILE *out, uint64_t b)
{
	if (b >= 10ull << 20)
		fprintf(out, "%.1f MiB", (double)b / (1 << 20));
	else if (b >= 10ull << 10)
		fprintf(out, "%.1f KiB", (double)b / 1024);
	else
		fprintf(out, "%" PRIu64 " B", b);
}

void egress_print_summary(const struct egress_session *es, FILE *out)
{
	const struct egress_stats *st = &es->stats;
	struct strbuf vis = STRBUF_INIT; /* names come from the agent's DNS: escaped */
	uint32_t i;

	if (!st->flows && !es->has_policy)
		return; /* nothing to say */

	fprintf(out,
		"proctor: egress: %" PRIu64 " flows, %u destinations, %" PRIu64 " denied, %" PRIu64
		" bypassed, out ",
		st->flows, st->ndest, st->denied, st->bypassed);
	print_bytes(out, st->bytes_out);
	fputs(", in ", out);
	print_bytes(out, st->bytes_in);
	fprintf(out, "%s\n",
		es->has_policy ? (es->policy.mode == PR_MODE_AUDIT ? " (audit mode)" : "")
			       : " (no policy)");
	for (i = 0; i < st->ndest; i++) {
		const struct egress_dest *d = &st->dest[i];
		fprintf(out, "proctor:   %-40s %" PRIu64 " flows, out ", sb_visible(&vis, d->name),
			d->flows);
		print_bytes(out, d->bytes_out);
		fputs(", in ", out);
		print_bytes(out, d->bytes_in);
		if (d->denied)
			fprintf(out, ", %" PRIu64 " DENIED", d->denied);
		if (d->bypassed)
			fprintf(out, ", %" PRIu64 " BYPASSED", d->bypassed);
		fputc('\n', out);
	}
	for (i = 0; i < st->nrefusals; i++) {
		const struct egress_refusal *x = &st->refusals[i];
		fprintf(out, "proctor:   %s %s",
			x->verdict == PR_VERDICT_DENIED ? "DENIED" : "BYPASSED",
			sb_visible(&vis, x->line));
		if (x->count > 1)
			fprintf(out, " x%" PRIu64, x->count);
		fputc('\n', out);
	}
	if (st->refusals_dropped)
		fprintf(out, "proctor:   (%" PRIu64 " more refusals of other kinds)\n",
			st->refusals_dropped);
	if (st->dest_dropped)
		fprintf(out, "proctor:   (%" PRIu64 " more flows to other destinations)\n",
			st->dest_dropped);
	sb_free(&vis);
}
