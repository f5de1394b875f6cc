/* hostkey.h: the host's Ed25519 signing key for store checkpoints:
 * generated at first start (private key root-only, 0600), loaded after. Its
 * public half sits next to it for `proctor verify`. */
#ifndef PROCTOR_STORE_HOSTKEY_H
#define PROCTOR_STORE_HOSTKEY_H
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* $PROCTOR_KEY_DIR, else /var/lib/proctor (root) or $XDG_DATA_HOME/proctor. */
const char *hostkey_dir(void);

/* Load DIR/host.key, generating it (and DIR/host.pub) when missing. */
EVP_PKEY *hostkey_load_or_create(char *err, size_t errlen);
/* The public key at path (a PEM public or private key). */
EVP_PKEY *hostkey_load_public(const char *path, char *err, size_t errlen);

/* The key's id: hex of the first 8 bytes of SHA-256 of the raw public key. */
int hostkey_id(EVP_PKEY *k, char out[17]);

/* Ed25519 signature of msg into sig (64 bytes); 0 or -1. */
int hostkey_sign(EVP_PKEY *k, const void *msg, size_t len, uint8_t sig[64]);
/* 1 valid, 0 not. */
int hostkey_verify(EVP_PKEY *k, const void *msg, size_t len, const uint8_t *sig, size_t siglen);

#endif
