/* dns.c: DNS wire-format parsing for dns.query / dns.response events. */
#include "net/dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define MAX_HOPS 16 /* compression pointers followed per name */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* One label byte in presentation format (RFC 1035 5.1, RFC 4343 2.1):
 * printable ASCII (0x21-0x7e) as is, except "." and "\\", which get a
 * backslash; every other byte as \DDD (three decimal digits). Case is kept
 * unless lower (ASCII letters only). Returns the characters written, 0 when
 * out has no room. */
static size_t put_label_byte(uint8_t ch, bool lower, char *out, size_t room)
{
	if (lower && ch >= 'A' && ch <= 'Z')
		ch += 32;
	if (ch == '.' || ch == '\\') {
		if (room < 3)
			return 0;
		out[0] = '\\', out[1] = (char)ch;
		return 2;
	}
	if (ch >= 0x21 && ch <= 0x7e) {
		if (room < 2)
			return 0;
		out[0] = (char)ch;
		return 1;
	}
	if (room < 5)
		return 0;
	snprintf(out, room, "\\%03u", ch);
	return 4;
}

/* Read a possibly compressed name at *off; advances *off past it in the
 * record. Labels become dotted presentation text (put_label_byte), "." for
 * the root; lower: ASCII letters lower-cased (the normalized form). A name
 * longer than 255 octets on the wire is malformed (RFC 1035 3.1). */
static int read_name(const uint8_t *p, size_t len, size_t *off, char *out, size_t outlen,
		     bool lower)
{
	size_t pos = *off, o = 0, end = 0, wire = 1, w;
	int hops = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;
		if (pos >= len)
			return DNS_ERR_SHORT;
		c = p[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;
			if (pos + 1 >= len)
				return DNS_ERR_SHORT;
			target = (size_t)(c & 0x3f) << 8 | p[pos + 1];
			if (++hops > MAX_HOPS || target >= pos)
				return DNS_ERR_NAME; /* only backward pointers: no loops */
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = target;
			continue;
		}
		if (c & 0xc0)
			return DNS_ERR_NAME; /* 0x40/0x80: extended/reserved label types */
		if (!c) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + c > len)
			return DNS_ERR_SHORT;
		wire += 1 + (size_t)c;
		if (wire > 255)
			return DNS_ERR_NAME;
		if (o && o + 1 < outlen)
			out[o++] = '.';
		for (size_t i = 0; i < c; i++) {
			if (!(w = put_label_byte(p[pos + 1 + i], lower, out + o, outlen - o)))
				return DNS_ERR_NAME;
			o += w;
		}
		pos += 1 + c;
	}
	if (!o)
		snprintf(out, outlen, ".");
	else
		out[o] = 0;
	*off = end;
	return DNS_OK;
}

static int read_answer(const uint8_t *p, size_t len, size_t *off, struct dns_msg *m)
{
	char owner[DNS_NAME_MAX];
	uint16_t type, rdlen;
	uint32_t ttl;
	size_t rd;
	struct dns_answer *a;
	int rc;

	if ((rc = read_name(p, len, off, owner, sizeof(owner), true)))
		return rc;
	if (*off + 10 > len)
		return DNS_ERR_SHORT;
	type = rd16(p + *off);
	ttl = rd32(p + *off + 4);
	rdlen = rd16(p + *off + 8);
	rd = *off + 10;
	if (rd + rdlen > len)
		return DNS_ERR_SHORT;
	*off = rd + rdlen;
	if (m->nanswers >= DNS_MAX_ANSWERS)
		return DNS_OK;
	a = &m->answers[m->nanswers];
	a->type = type;
	a->ttl = ttl;
	if (type == 1 && rdlen == 4) {
		inet_ntop(AF_INET, p + rd, a->data, sizeof(a->data));
	} else if (type == 28 && rdlen == 16) {
		inet_ntop(AF_INET6, p + rd, a->data, sizeof(a->data));
	} else if (type == 5) {
		size_t o = rd;
		/* the target must lie inside rdata */
		if ((rc = read_name(p, rd + rdlen, &o, a->data, sizeof(a->data), true)))
			return rc;
	} else {
		return DNS_OK; /* other types: not kept */
	}
	m->nanswers++;
	return DNS_OK;
}

int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m)
{
	size_t off = 12, o;
	uint32_t i;
	int rc;

	memset(m, 0, sizeof(*m));
	if (!p || len < 12)
		return DNS_ERR_SHORT;
	m->id = rd16(p);
	m->response = p[2] & 0x80;
	m->opcode = (p[2] >> 3) & 0xf;
	m->truncated = p[2] & 0x02;
	m->rcode = p[3] & 0xf;
	m->qdcount = rd16(p + 4);
	m->ancount = rd16(p + 6);
	if (m->qdcount < 1)
		return DNS_ERR_NOQUESTION;
	o = off;
	if ((rc = read_name(p, len, &o, m->qname_normalized, sizeof(m->qname_normalized), true)))
		return rc;
	if ((rc = read_name(p, len, &off, m->qname, sizeof(m->qname), false)))
		return rc;
	if (off + 4 > len)
		return DNS_ERR_SHORT;
	m->qtype = rd16(p + off);
	m->qclass = rd16(p + off + 2);
	off += 4;
	/* further questions (never seen in practice): skipped */
	for (i = 1; i < m->qdcount && i < 16; i++) {
		char skip[DNS_NAME_MAX];
		if (read_name(p, len, &off, skip, sizeof(skip), true) || off + 4 > len)
			return DNS_OK;
		off += 4;
	}
	for (i = 0; i < m->ancount; i++)
		if (read_answer(p, len, &off, m))
			break; /* keep what was read before the damage */
	return DNS_OK;
}

const char *dns_type_name(uint16_t type, char *buf, size_t len)
{
	static const struct {
		uint16_t t;
		const char *n;
	} names[] = {
		{1, "A"},      {2, "NS"},    {5, "CNAME"},  {6, "SOA"},	    {12, "PTR"},
		{15, "MX"},    {16, "TXT"},  {28, "AAAA"},  {33, "SRV"},    {35, "NAPTR"},
		{41, "OPT"},   {43, "DS"},   {46, "RRSIG"}, {48, "DNSKEY"}, {64, "SVCB"},
		{65, "HTTPS"}, {255, "ANY"}, {257, "CAA"},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].n;
	snprintf(buf, len, "TYPE%u", type);
	return buf;
}

const char *dns_rcode_name(uint8_t rcode, char *buf, size_t len)
{
	static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					    "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
					    "NXRRSET", "NOTAUTH", "NOTZONE"};
	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, len, "RCODE%u", rcode);
	return buf;
}
