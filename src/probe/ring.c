/* ring.c: the BPF ring buffer's reader (ring.h). Layout (kernel
 * kernel/bpf/ringbuf.c): page 0 the consumer position (writable), page 1 the
 * producer position, then the data pages mapped twice in a row so that a
 * record that wraps reads contiguously. Each record has an 8-byte header:
 * its length with a busy and a discard bit, and is padded to 8 bytes. */
#include "probe/ring.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

int ring_open(struct ring *r, int map_fd, size_t size, ring_sample_fn fn, void *ctx)
{
	size_t pg = page_size();
	void *c, *p;

	memset(r, 0, sizeof(*r));
	c = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	p = mmap(NULL, pg + 2 * size, PROT_READ, MAP_SHARED, map_fd, (off_t)pg);
	if (p == MAP_FAILED) {
		int e = -errno;
		munmap(c, pg);
		return e;
	}
	r->fd = map_fd;
	r->size = size;
	r->cons = c;
	r->prod = p;
	r->data = (const uint8_t *)p + pg;
	r->read_pos = r->cur_pos = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	r->fn = fn;
	r->ctx = ctx;
	return 0;
}

void ring_close(struct ring *r)
{
	size_t pg = page_size();

	if (r->cons)
		munmap(r->cons, pg);
	if (r->prod)
		munmap((void *)r->prod, pg + 2 * r->size);
	r->cons = NULL;
	r->prod = NULL;
}

static uint64_t record_bytes(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return ((uint64_t)len + BPF_RINGBUF_HDR_SZ + 7) / 8 * 8;
}

int ring_consume(struct ring *r)
{
	uint64_t prod, pos = r->read_pos;
	int n = 0, rc;
	bool more = true;

	while (more) {
		more = false;
		prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
		while (pos < prod) {
			const uint32_t *hdr = (const void *)(r->data + (pos & (r->size - 1)));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out; /* not committed yet: the next call gets it */
			more = true;
			r->cur_pos = pos;
			pos += record_bytes(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				rc = r->fn(r->ctx, (const uint8_t *)hdr + BPF_RINGBUF_HDR_SZ,
					   len & ~BPF_RINGBUF_DISCARD_BIT);
				n++;
				if (rc < 0) {
					r->read_pos = pos;
					if (!r->deferred)
						ring_release(r, pos);
					return rc;
				}
			}
			r->read_pos = pos;
			if (!r->deferred)
				ring_release(r, pos);
		}
	}
out:
	r->cur_pos = r->read_pos;
	return n;
}

void ring_release(struct ring *r, uint64_t pos)
{
	if (r->cons && pos > __atomic_load_n(r->cons, __ATOMIC_RELAXED))
		__atomic_store_n(r->cons, pos, __ATOMIC_RELEASE);
}

uint64_t ring_pending(const struct ring *r)
{
	unsigned long c, p;

	if (!r->cons)
		return 0;
	c = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	p = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	return p > c ? p - c : 0;
}
