/* proto.c: framing and the version check of the daemon's control protocol
 * (see proto.h): length-prefixed JSON objects, parsed with jansson. */
#include "daemon/proto.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *proto_socket_path(void)
{
	const char *p = getenv("PROCTOR_SOCKET");

	return p && *p ? p : PROTO_DEFAULT_SOCKET;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1: read all, 0: EOF before the first byte, -1: error or short. */
static int read_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got == 0 && n == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

int proto_send(int fd, const json_t *msg)
{
	char *body = json_dumps(msg, JSON_COMPACT);
	size_t len;
	unsigned char hdr[4];
	int rc;

	if (!body)
		return -ENOMEM;
	len = strlen(body);
	if (len > PROTO_MAX_MSG) {
		free(body);
		return -EMSGSIZE;
	}
	hdr[0] = (unsigned char)(len >> 24);
	hdr[1] = (unsigned char)(len >> 16);
	hdr[2] = (unsigned char)(len >> 8);
	hdr[3] = (unsigned char)len;
	rc = write_all(fd, (const char *)hdr, 4);
	if (!rc)
		rc = write_all(fd, body, len);
	free(body);
	return rc;
}

static uint32_t frame_len(const unsigned char *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

json_t *proto_decode(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *j;
	uint32_t n;

	if (len < 4) {
		snprintf(err, errlen, "short message header");
		return NULL;
	}
	n = frame_len((const unsigned char *)buf);
	if (n > PROTO_MAX_MSG || n != len - 4) {
		snprintf(err, errlen, "bad message length %u", n);
		return NULL;
	}
	if (!(j = json_loadb(buf + 4, n, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(err, errlen, "malformed message: %s", je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "malformed message: not a JSON object");
		return NULL;
	}
	return j;
}

int proto_recv(int fd, json_t **out, char *err, size_t errlen)
{
	unsigned char hdr[4];
	char *buf;
	uint32_t n;
	int r;

	*out = NULL;
	if ((r = read_all(fd, (char *)hdr, 4)) <= 0) {
		snprintf(err, errlen, r == 0 ? "connection closed" : "connection lost");
		return -1;
	}
	n = frame_len(hdr);
	if (n > PROTO_MAX_MSG) {
		snprintf(err, errlen, "message of %u bytes is over the limit (%d)", n,
			 PROTO_MAX_MSG);
		return -1;
	}
	if (!(buf = malloc(n + 4))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(buf, hdr, 4);
	if (read_all(fd, buf + 4, n) != 1 && n) {
		free(buf);
		snprintf(err, errlen, "connection lost mid-message");
		return -1;
	}
	*out = proto_decode(buf, n + 4, err, errlen);
	free(buf);
	return *out ? 0 : -1;
}

int proto_version_mismatch(int theirs, const char *their_release, int ours, char *err,
			   size_t errlen)
{
	if (theirs == ours)
		return 0;
	snprintf(err, errlen,
		 "protocol version mismatch: the peer speaks version %d (proctor %s), "
		 "this proctor speaks version %d (proctor %s)",
		 theirs, their_release ? their_release : "unknown", ours, PROCTOR_VERSION);
	return -1;
}
