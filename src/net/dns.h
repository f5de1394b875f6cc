/* dns.h: a defensive DNS message parser (RFC 1035 wire format) for the
 * packets the kernel copies to the ring buffer. It never reads outside the
 * buffer, bounds compression-pointer chains, and reports malformed input
 * instead of guessing. Only what the events need is extracted: the
 * question, the response code and A/AAAA/CNAME answers. */
#ifndef PROCTOR_DNS_H
#define PROCTOR_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a name in presentation form: 255 octets on the wire, up to 4 characters
 * each (\DDD), NUL included */
#define DNS_NAME_MAX	1024
#define DNS_MAX_ANSWERS 32 /* answers kept (more are counted, not kept) */

struct dns_answer {
	uint16_t type;
	uint32_t ttl;
	char data[DNS_NAME_MAX]; /* address text or CNAME target (normalized) */
};

struct dns_msg {
	uint16_t id;
	bool response;
	uint8_t opcode;
	uint8_t rcode;
	bool truncated; /* TC bit */
	uint16_t qdcount, ancount;
	char qname[DNS_NAME_MAX];	     /* as sent: case kept, presentation format */
	char qname_normalized[DNS_NAME_MAX]; /* the same, ASCII letters lower-cased */
	uint16_t qtype, qclass;
	uint32_t nanswers; /* kept in answers[] */
	struct dns_answer answers[DNS_MAX_ANSWERS];
};

enum dns_err {
	DNS_OK = 0,
	DNS_ERR_SHORT = -1, /* shorter than its own header or a record */
	DNS_ERR_NAME = -2,  /* bad label, pointer loop or name too long */
	DNS_ERR_NOQUESTION = -3,
};

/* Parse one DNS message (no TCP length prefix). On DNS_OK, m is filled;
 * a damaged answer section keeps the answers before the damage. */
int dns_parse(const uint8_t *p, size_t len, struct dns_msg *m);

/* "A", "AAAA", "CNAME", ... or "TYPE<n>" written into buf. */
const char *dns_type_name(uint16_t type, char *buf, size_t len);
/* "NOERROR", "NXDOMAIN", ... or "RCODE<n>" written into buf. */
const char *dns_rcode_name(uint8_t rcode, char *buf, size_t len);

#endif
