/* test_dns.c: the DNS parser on real-shaped messages and on malformed,
 * truncated, looping and random input (it must never read out of bounds:
 * run under ASan/valgrind for full effect; here every outcome is checked
 * for sanity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/dns.h"

/* alias.test A: CNAME allowed.test, then A 10.77.0.2 owned by the target */
static const uint8_t resp_cname[] = {
	0x12,
	0x34,
	0x81,
	0x80,
	0,
	1,
	0,
	2,
	0,
	0,
	0,
	0,
	5,
	'a',
	'l',
	'i',
	'a',
	's',
	4,
	't',
	'e',
	's',
	't',
	0,
	0,
	1,
	0,
	1,
	/* CNAME, owner = pointer to the question */
	0xc0,
	0x0c,
	0,
	5,
	0,
	1,
	0,
	0,
	1,
	0x2c,
	0,
	14,
	7,
	'a',
	'l',
	'l',
	'o',
	'w',
	'e',
	'd',
	4,
	't',
	'e',
	's',
	't',
	0,
	/* A, owner = pointer to the CNAME target (offset 40) */
	0xc0,
	40,
	0,
	1,
	0,
	1,
	0,
	0,
	0,
	60,
	0,
	4,
	10,
	77,
	0,
	2,
};

static const uint8_t resp_aaaa_nx[] = {
	0xab, 0xcd, 0x81, 0x83, 0,   1,	  0,   0,   0, 0, 0,  0, 4, 'N',
	'o',  'P',  'e',  4,	't', 'e', 's', 't', 0, 0, 28, 0, 1,
};

static void test_cname_chain(void **state)
{
	struct dns_msg m;
	(void)state;
	assert_int_equal(dns_parse(resp_cname, sizeof(resp_cname), &m), DNS_OK);
	assert_true(m.response);
	assert_int_equal(m.id, 0x1234);
	assert_string_equal(m.qname, "alias.test");
	assert_int_equal(m.qtype, 1);
	assert_int_equal(m.rcode, 0);
	assert_int_equal(m.nanswers, 2);
	assert_int_equal(m.answers[0].type, 5);
	assert_string_equal(m.answers[0].data, "allowed.test");
	assert_int_equal(m.answers[1].type, 1);
	assert_int_equal(m.answers[1].ttl, 60);
	assert_string_equal(m.answers[1].data, "10.77.0.2");
}

static void test_nxdomain_keeps_case(void **state)
{
	struct dns_msg m;
	char b[16];
	(void)state;
	assert_int_equal(dns_parse(resp_aaaa_nx, sizeof(resp_aaaa_nx), &m), DNS_OK);
	assert_string_equal(m.qname, "NoPe.test");
	assert_string_equal(m.qname_normalized, "nope.test");
	assert_string_equal(dns_type_name(m.qtype, b, sizeof(b)), "AAAA");
	assert_string_equal(dns_rcode_name(m.rcode, b, sizeof(b)), "NXDOMAIN");
	assert_int_equal(m.nanswers, 0);
	assert_string_equal(dns_type_name(999, b, sizeof(b)), "TYPE999");
	assert_string_equal(dns_rcode_name(14, b, sizeof(b)), "RCODE14");
}

static void test_every_truncation(void **state)
{
	struct dns_msg m;
	size_t n;
	(void)state;
	/* every prefix parses or fails cleanly; the question needs 28 bytes */
	for (n = 0; n < sizeof(resp_cname); n++) {
		int rc = dns_parse(resp_cname, n, &m);
		if (n < 28)
			assert_int_not_equal(rc, DNS_OK);
		else
			assert_true(m.nanswers <= 2);
	}
	assert_int_equal(dns_parse(NULL, 0, &m), DNS_ERR_SHORT);
}

static void test_pointer_loops_rejected(void **state)
{
	struct dns_msg m;
	uint8_t self[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
	uint8_t fwd[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0, 0, 1, 0, 1};
	uint8_t bad_label[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 'a', 0, 0, 1, 0, 1};
	uint8_t noq[] = {0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0};
	(void)state;
	assert_int_equal(dns_parse(self, sizeof(self), &m), DNS_ERR_NAME);
	assert_int_equal(dns_parse(fwd, sizeof(fwd), &m), DNS_ERR_NAME);
	assert_int_equal(dns_parse(bad_label, sizeof(bad_label), &m), DNS_ERR_NAME);
	assert_int_equal(dns_parse(noq, sizeof(noq), &m), DNS_ERR_NOQUESTION);
}

static void test_long_and_odd_names(void **state)
{
	uint8_t buf[600] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	struct dns_msg m;
	size_t o = 12;
	int i;
	(void)state;
	/* 5 labels of 63 bytes: 319 > 255 characters -> rejected */
	for (i = 0; i < 5; i++) {
		buf[o++] = 63;
		memset(buf + o, 'x', 63);
		o += 63;
	}
	buf[o++] = 0;
	buf[o++] = 0, buf[o++] = 1, buf[o++] = 0, buf[o++] = 1;
	assert_int_equal(dns_parse(buf, o, &m), DNS_ERR_NAME);
	/* control characters are escaped, not copied */
	uint8_t odd[] = {0, 1, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '\n', '"', 0, 0, 16, 0, 1};
	assert_int_equal(dns_parse(odd, sizeof(odd), &m), DNS_OK);
	assert_string_equal(m.qname, "a\\010\"");
	/* case is kept (0x20 encoding, tunnels); "." and "\\" inside a label are
	 * escaped; the normalized form lower-cases ASCII letters only */
	uint8_t mixed[] = {0,	1,   0x01, 0,	0, 1,	0,    0,   0, 0, 0, 0, 5, 'A',
			   'b', 'C', '.',  'd', 3, 'c', '\\', 'M', 0, 0, 1, 0, 1};
	assert_int_equal(dns_parse(mixed, sizeof(mixed), &m), DNS_OK);
	assert_string_equal(m.qname, "AbC\\.d.c\\\\M");
	assert_string_equal(m.qname_normalized, "abc\\.d.c\\\\m");
	/* three labels of 63 binary bytes: 193 octets on the wire, 758 characters */
	o = 12;
	for (i = 0; i < 3; i++) {
		buf[o++] = 63;
		memset(buf + o, 0xff, 63);
		o += 63;
	}
	buf[o++] = 0;
	buf[o++] = 0, buf[o++] = 1, buf[o++] = 0, buf[o++] = 1;
	assert_int_equal(dns_parse(buf, o, &m), DNS_OK);
	assert_int_equal(strlen(m.qname), 3 * 63 * 4 + 2);
	assert_memory_equal(m.qname, "\\255\\255", 8);
}

static void test_answer_count_lies(void **state)
{
	uint8_t b[sizeof(resp_cname)];
	struct dns_msg m;
	(void)state;
	memcpy(b, resp_cname, sizeof(b));
	b[6] = 0xff, b[7] = 0xff; /* 65535 answers claimed */
	assert_int_equal(dns_parse(b, sizeof(b), &m), DNS_OK);
	assert_int_equal(m.nanswers, 2);
	/* rdlength beyond the end: the damaged record is dropped */
	memcpy(b, resp_cname, sizeof(b));
	b[sizeof(b) - 5] = 200;
	assert_int_equal(dns_parse(b, sizeof(b), &m), DNS_OK);
	assert_int_equal(m.nanswers, 1);
}

/* Fuzz: random bytes and random mutations of valid messages. */
static void test_fuzz(void **state)
{
	uint8_t b[512];
	struct dns_msg m;
	unsigned seed = 12345;
	int i, j;
	(void)state;
	for (i = 0; i < 200000; i++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(b));
		if (i & 1) {
			for (j = 0; j < (int)n; j++)
				b[j] = (uint8_t)rand_r(&seed);
		} else {
			n = sizeof(resp_cname);
			memcpy(b, resp_cname, n);
			for (j = 0; j < 1 + rand_r(&seed) % 4; j++)
				b[rand_r(&seed) % n] = (uint8_t)rand_r(&seed);
			n = (size_t)(rand_r(&seed) % (n + 1));
		}
		if (dns_parse(b, n, &m) == DNS_OK) {
			assert_true(strlen(m.qname) < DNS_NAME_MAX);
			assert_true(m.nanswers <= DNS_MAX_ANSWERS);
			for (j = 0; j < (int)m.nanswers; j++)
				assert_true(strlen(m.answers[j].data) < DNS_NAME_MAX);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_nxdomain_keeps_case),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_pointer_loops_rejected),
		cmocka_unit_test(test_long_and_odd_names),
		cmocka_unit_test(test_answer_count_lies),
		cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
