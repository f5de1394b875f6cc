/* bolt.c: a read-only bbolt lookup (bolt.h). The format: fixed-size pages
 * (the size is in the meta page), each with a 16-byte header (id, flags,
 * count, overflow: a page spans 1 + overflow pages); two meta pages (0, 1)
 * of which the valid one with the higher transaction id is current; a
 * bucket is a B+tree of branch and leaf pages whose root is in its parent's
 * leaf value (a bucket header: root page, sequence; root 0 means the
 * bucket's one leaf page follows the header inline). Elements' key and
 * value positions are relative to the element itself. */
#include "util/bolt.h"

#include <stdbool.h>
#include <string.h>

#define PAGE_HDR       16
#define ELEM_SIZE      16
#define F_BRANCH       0x01
#define F_LEAF	       0x02
#define F_META	       0x04
#define LEAF_BUCKET    0x01
#define BOLT_MAGIC     0xED0CDAEDu
#define BOLT_VERSION   2
#define META_SUM_BYTES 56 /* the checksum covers the meta up to itself */
#define BUCKET_HDR     16
#define MAX_DEPTH      32

/* One page (or an inline bucket's page): its bytes and their length. */
struct page {
	const uint8_t *p;
	size_t len;
};

struct bolt {
	const uint8_t *db;
	size_t len;
	uint32_t psize;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t fnv64a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A meta page at off: valid (magic, version, checksum) -> its txid and
 * root bucket page; -1 otherwise. */
static int read_meta(const uint8_t *db, size_t len, size_t off, uint64_t *txid, uint64_t *root,
		     uint32_t *psize)
{
	const uint8_t *m;

	if (off > len || len - off < PAGE_HDR + META_SUM_BYTES + 8)
		return -1;
	if (!(rd16(db + off + 8) & F_META))
		return -1;
	m = db + off + PAGE_HDR;
	if (rd32(m) != BOLT_MAGIC || rd32(m + 4) != BOLT_VERSION ||
	    fnv64a(m, META_SUM_BYTES) != rd64(m + META_SUM_BYTES))
		return -1;
	*psize = rd32(m + 8);
	*root = rd64(m + 16);
	*txid = rd64(m + 48);
	return 0;
}

static int page_at(const struct bolt *b, uint64_t id, struct page *pg)
{
	uint64_t off, span;

	if (id > b->len / b->psize)
		return -1;
	off = id * b->psize;
	if (b->len - off < PAGE_HDR)
		return -1;
	span = ((uint64_t)rd32(b->db + off + 12) + 1) * b->psize;
	pg->p = b->db + off;
	pg->len = span < b->len - off ? (size_t)span : b->len - off;
	return 0;
}

/* Element i's key (and for a leaf, value) inside the page; -1 when out of bounds. */
static int elem(const struct page *pg, uint16_t i, bool leaf, const uint8_t **k, uint32_t *klen,
		const uint8_t **v, uint32_t *vlen)
{
	size_t at = PAGE_HDR + (size_t)i * ELEM_SIZE, pos;
	const uint8_t *e;

	if (at + ELEM_SIZE > pg->len)
		return -1;
	e = pg->p + at;
	pos = leaf ? rd32(e + 4) : rd32(e);
	*klen = rd32(e + (leaf ? 8 : 4));
	*vlen = leaf ? rd32(e + 12) : 0;
	if (pos > pg->len - at || *klen > pg->len - at - pos || *vlen > pg->len - at - pos - *klen)
		return -1;
	*k = e + pos;
	*v = e + pos + *klen;
	return 0;
}

static int keycmp(const uint8_t *k, uint32_t klen, const char *key, size_t n)
{
	int c = memcmp(k, key, klen < n ? klen : n);

	return c ? c : (klen > n) - (klen < n);
}

/* Search the tree from page pg for key: its leaf flags and value. */
static int find(const struct bolt *b, struct page pg, const char *key, uint32_t *flags,
		const uint8_t **val, size_t *vlen)
{
	size_t n = strlen(key);
	int depth;

	for (depth = 0; depth < MAX_DEPTH; depth++) {
		uint16_t fl = rd16(pg.p + 8), cnt = rd16(pg.p + 10), i;
		const uint8_t *k, *v, *e;
		uint32_t kl, vl;
		uint64_t child = 0;

		if (fl & F_LEAF) {
			for (i = 0; i < cnt; i++) {
				if (elem(&pg, i, true, &k, &kl, &v, &vl))
					return -1;
				if (!keycmp(k, kl, key, n)) {
					*flags = rd32(pg.p + PAGE_HDR + (size_t)i * ELEM_SIZE);
					*val = v;
					*vlen = vl;
					return 0;
				}
			}
			return -1;
		}
		if (!(fl & F_BRANCH) || !cnt)
			return -1;
		/* the last child whose first key is <= key (else the first) */
		for (i = 0; i < cnt; i++) {
			if (elem(&pg, i, false, &k, &kl, &v, &vl))
				return -1;
			if (i && keycmp(k, kl, key, n) > 0)
				break;
			e = pg.p + PAGE_HDR + (size_t)i * ELEM_SIZE;
			child = rd64(e + 8);
		}
		if (page_at(b, child, &pg))
			return -1;
	}
	return -1;
}

/* A bucket value: its root page, or the inline page after the header. */
static int bucket_root(const struct bolt *b, const uint8_t *v, size_t vlen, struct page *pg)
{
	uint64_t root;

	if (vlen < BUCKET_HDR)
		return -1;
	root = rd64(v);
	if (root)
		return page_at(b, root, pg);
	if (vlen - BUCKET_HDR < PAGE_HDR)
		return -1;
	pg->p = v + BUCKET_HDR;
	pg->len = vlen - BUCKET_HDR;
	return 0;
}

int bolt_get(const uint8_t *db, size_t len, const char *const *path, size_t npath, const char *key,
	     const uint8_t **val, size_t *vlen)
{
	struct bolt b = {.db = db, .len = len};
	uint64_t tx0, tx1, root0, root1, root;
	uint32_t ps0 = 0, ps1 = 0, flags;
	struct page pg;
	bool ok0, ok1;
	size_t i;

	ok0 = !read_meta(db, len, 0, &tx0, &root0, &ps0);
	if (!ok0 || ps0 < 512 || ps0 > (1u << 20))
		return -1; /* the page size comes from page 0 */
	ok1 = !read_meta(db, len, ps0, &tx1, &root1, &ps1) && ps1 == ps0;
	b.psize = ps0;
	root = ok1 && tx1 > tx0 ? root1 : root0;
	if (page_at(&b, root, &pg))
		return -1;
	for (i = 0; i < npath; i++) {
		if (find(&b, pg, path[i], &flags, val, vlen) || !(flags & LEAF_BUCKET) ||
		    bucket_root(&b, *val, *vlen, &pg))
			return -1;
	}
	if (find(&b, pg, key, &flags, val, vlen) || (flags & LEAF_BUCKET))
		return -1;
	return 0;
}
