/* addr.c: the receiver's address, HOST:PORT with a loopback HOST
 * (receiver.h); apart from the receiver so option and configuration
 * parsers link it alone. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/receiver.h"

int otlp_receiver_parse_addr(const char *addr, char *host, size_t hostlen, uint16_t *port,
			     int *family)
{
	const char *colon = strrchr(addr, ':');
	struct in6_addr a6;
	struct in_addr a4;
	char h[64], *end;
	unsigned long p;
	size_t n;

	if (!colon || colon == addr)
		return -1;
	n = (size_t)(colon - addr);
	if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	if (n >= sizeof(h) || n >= hostlen)
		return -1;
	memcpy(h, addr, n);
	h[n] = 0;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535)
		return -1;
	if (!strcmp(h, "localhost"))
		snprintf(h, sizeof(h), "127.0.0.1");
	if (inet_pton(AF_INET, h, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6))
		*family = AF_INET6;
	else
		return -1;
	snprintf(host, hostlen, "%s", h);
	*port = (uint16_t)p;
	return 0;
}
