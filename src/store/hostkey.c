/* hostkey.c: the host's Ed25519 checkpoint key (see hostkey.h): created
 * once with O_EXCL and linked into place, so concurrent first starts agree
 * on one key and nobody reads a half-written file. */
#include "store/hostkey.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "util/util.h"

const char *hostkey_dir(void)
{
	static char dir[4096];
	const char *env = getenv("PROCTOR_KEY_DIR"), *xdg, *home;

	if (env && *env)
		return env;
	if (geteuid() == 0)
		return "/var/lib/proctor";
	xdg = getenv("XDG_DATA_HOME");
	home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/proctor", xdg);
	else
		snprintf(dir, sizeof(dir), "%s/.local/share/proctor", home ? home : ".");
	return dir;
}

static EVP_PKEY *read_private(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (!f) {
		snprintf(err, errlen, "cannot read host key %s: %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k || EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		snprintf(err, errlen, "host key %s is not an Ed25519 private key", path);
		return NULL;
	}
	return k;
}

/* Write k's private (mode 0600) or public (0644) PEM to path via a
 * temporary file and link(): -1 with errno EEXIST when path exists. */
static int write_pem(EVP_PKEY *k, const char *path, bool private_key)
{
	char tmp[4200];
	FILE *f;
	int fd, ok, rc;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, private_key ? 0600 : 0644);
	if (fd < 0)
		return -1;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	ok = private_key ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL)
			 : PEM_write_PUBKEY(f, k);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	fclose(f);
	rc = ok ? link(tmp, path) : (errno = EIO, -1);
	ok = errno;
	unlink(tmp);
	errno = ok;
	return rc;
}

static EVP_PKEY *generate(void)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *k = NULL;

	if (c && EVP_PKEY_keygen_init(c) > 0)
		EVP_PKEY_keygen(c, &k);
	EVP_PKEY_CTX_free(c);
	return k;
}

EVP_PKEY *hostkey_load_or_create(char *err, size_t errlen)
{
	char priv[4096], pub[4096];
	const char *dir = hostkey_dir();
	EVP_PKEY *k;

	snprintf(priv, sizeof(priv), "%s/host.key", dir);
	snprintf(pub, sizeof(pub), "%s/host.pub", dir);
	if (access(priv, F_OK) == 0)
		return read_private(priv, err, errlen);
	if (mkdir_p(dir, 0700)) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	if (!(k = generate())) {
		snprintf(err, errlen, "cannot generate an Ed25519 host key");
		return NULL;
	}
	if (write_pem(k, priv, true)) {
		int e = errno;
		EVP_PKEY_free(k);
		if (e == EEXIST) /* another first start won: use its key */
			return read_private(priv, err, errlen);
		snprintf(err, errlen, "cannot write host key %s: %s", priv, strerror(e));
		return NULL;
	}
	if (write_pem(k, pub, false) && errno != EEXIST) {
		snprintf(err, errlen, "cannot write host public key %s: %s", pub, strerror(errno));
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *hostkey_load_public(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (!f) {
		snprintf(err, errlen, "cannot read public key %s: %s", path, strerror(errno));
		return NULL;
	}
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (!k) {
		rewind(f);
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!k || EVP_PKEY_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		snprintf(err, errlen, "%s is not an Ed25519 key", path);
		return NULL;
	}
	return k;
}

int hostkey_id(EVP_PKEY *k, char out[17])
{
	uint8_t raw[32], md[32];
	size_t n = sizeof(raw);
	unsigned int mdlen = sizeof(md);
	static const char digits[] = "0123456789abcdef";
	int i;

	if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1 ||
	    EVP_Digest(raw, n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return -1;
	for (i = 0; i < 8; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[16] = 0;
	return 0;
}

int hostkey_sign(EVP_PKEY *k, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t n = 64;
	int ok;

	ok = c && EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
	     EVP_DigestSign(c, sig, &n, msg, len) == 1 && n == 64;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

int hostkey_verify(EVP_PKEY *k, const void *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;

	ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
	     EVP_DigestVerify(c, sig, siglen, msg, len) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}
