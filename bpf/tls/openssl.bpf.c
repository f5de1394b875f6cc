/* openssl.bpf.c: TLS plaintext from OpenSSL (libssl.so, 1.1 and 3):
 * uprobes on SSL_read, SSL_write, SSL_read_ex and SSL_write_ex, attached
 * per tracked process by src/probe/tls.c; the plain pair also serves
 * GnuTLS's gnutls_record_recv/gnutls_record_send (same arguments and
 * return), the library named by the attach cookie. Entry remembers the call (SSL *,
 * buffer) for the thread; return copies the bytes actually moved into
 * tls.data records keyed by the SSL *, in PR_TLS_CHUNK pieces, within the
 * session's byte budget. An untracked process returns after the tracked
 * check (one load for most). Records: docs/EVENTS-llm.md. */
#include "lib/emit.h"
#include <bpf/bpf_tracing.h>

/* ctx's attach cookie is the library (enum pr_tls_lib, src/probe/tls.c). */
static __always_inline int tls_enter(void *ctx, __u64 conn, __u64 buf, __u64 done_ptr, __u32 read)
{
	struct tls_call c = {.conn = conn, .buf = buf, .done_ptr = done_ptr, .read = read};
	__u64 id;

	if (!tracked_current())
		return 0;
	c.lib = (__u32)bpf_get_attach_cookie(ctx);
	id = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&tls_calls, &id, &c, BPF_ANY);
	return 0;
}

/* The budget entry of a session, made on first use. */
static __always_inline struct pr_tls_budget *budget_of(__u64 session_key)
{
	struct pr_tls_budget *b = bpf_map_lookup_elem(&tls_budget, &session_key);
	struct pr_tls_budget zero = {};

	if (b)
		return b;
	bpf_map_update_elem(&tls_budget, &session_key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tls_budget, &session_key);
}

/* One chunk of a call: header, then the bytes, in scratch; 0 = output.
 * len_flags: the chunk's length, its pr_hdr flags << 16 (8 bits), the
 * library << 24 (enum pr_tls_lib). A global function
 * of scalars: verified once per program, whatever the state of its caller. */
__noinline int tls_chunk_out(__u64 conn, __u64 ubuf, __u32 total, __u32 off, __u32 len_flags)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_tracked *tr = tracked_task(t);
	struct pr_scratch *s = scratch_get();
	__u32 len = len_flags & 0xffff, flags = (len_flags >> 16) & 0xff, lib = len_flags >> 24;
	struct pr_tls_data *d;

	if (!tr || !s)
		return -1;
	d = (void *)s->buf;
	if (len > PR_TLS_CHUNK)
		len = PR_TLS_CHUNK;
	asm volatile("" : "+r"(len));
	if (len > PR_TLS_CHUNK)
		return -1;
	fill_hdr(&d->hdr, t, PR_EV_TLS_DATA, sizeof(*d) + len, tr);
	d->hdr.flags = (__u16)flags;
	d->conn = conn;
	d->total = total;
	d->off = off;
	d->len = len;
	d->lib = (__u16)lib;
	d->_pad = 0;
	if (bpf_probe_read_user(s->buf + sizeof(*d), len, (void *)(ubuf + off)))
		return -1;
	return ev_output(s, sizeof(*d) + len, PR_EV_TLS_DATA, tr);
}

/* What the chunk loop of one call carries (bpf_loop's context). */
struct tls_out {
	struct tls_call c;
	__u64 n, take;
	__u64 stop; /* the chunk that failed; PR_TLS_CALL_CHUNKS when none did */
};

/* One chunk: 0 to go on, 1 to stop. A callback, so the verifier checks it
 * once rather than once per iteration in each of the four programs; it
 * writes the context only when it stops (a running sum would be a new
 * constant, so a new state, in every iteration). */
static long tls_chunk_cb(__u64 i, void *ctx)
{
	struct tls_out *o = ctx;
	__u64 off = i * PR_TLS_CHUNK;
	__u32 len, flags;

	if (off >= o->take)
		return 1;
	len = o->take - off > PR_TLS_CHUNK ? PR_TLS_CHUNK : (__u32)(o->take - off);
	flags = o->c.read ? PR_TLS_READ : 0;
	if (off + len >= o->take && o->take < o->n)
		flags |= PR_TLS_CUT;
	if (tls_chunk_out(o->c.conn, o->c.buf, (__u32)o->n, (__u32)off,
			  len | flags << 16 | (o->c.lib & 0xff) << 24)) {
		o->stop = i;
		return 1;
	}
	return 0;
}

static __always_inline int tls_return(long ret, bool ex)
{
	struct tls_out o = {};
	__u64 id = bpf_get_current_pid_tgid(), n, room, take, done;
	struct pr_tracked *tr = tracked_current(); /* untracked: one load of the filter */
	struct pr_tls_budget *b;
	struct tls_call *cp;

	if (!tr || !(cp = bpf_map_lookup_elem(&tls_calls, &id)))
		return 0;
	o.c = *cp;
	bpf_map_delete_elem(&tls_calls, &id);
	if (ex) {
		if (ret != 1 || !o.c.done_ptr ||
		    bpf_probe_read_user(&n, sizeof(n), (void *)o.c.done_ptr))
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		n = ret;
	}
	if (!n || n > 0x7fffffff)
		return 0;
	if (!(b = budget_of(tr->session_key))) {
		count_drop(PR_EV_TLS_DATA, tr->session_key); /* never silent */
		return 0;
	}
	room = b->bytes < pr_tls_budget_bytes ? pr_tls_budget_bytes - b->bytes : 0;
	take = n;
	if (take > (__u64)PR_TLS_CHUNK * PR_TLS_CALL_CHUNKS)
		take = (__u64)PR_TLS_CHUNK * PR_TLS_CALL_CHUNKS;
	if (take > room)
		take = room;
	o.n = n;
	o.take = take;
	o.stop = PR_TLS_CALL_CHUNKS;
	bpf_loop(PR_TLS_CALL_CHUNKS, tls_chunk_cb, &o, 0);
	done = o.stop * PR_TLS_CHUNK; /* the chunks before stop went out whole */
	if (done > take)
		done = take;
	__sync_fetch_and_add(&b->bytes, done);
	if (done < n) {
		__sync_fetch_and_add(&b->cut_bytes, n - done);
		__sync_fetch_and_add(&b->cut_calls, 1);
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_ossl_read, void *ssl, void *buf, int num)
{
	return tls_enter(ctx, (__u64)ssl, (__u64)buf, 0, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ossl_read_ret, int ret)
{
	return tls_return(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(tls_ossl_write, void *ssl, const void *buf, int num)
{
	return tls_enter(ctx, (__u64)ssl, (__u64)buf, 0, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ossl_write_ret, int ret)
{
	return tls_return(ret, false);
}

SEC("uprobe")
int BPF_KPROBE(tls_ossl_read_ex, void *ssl, void *buf, size_t num, size_t *readbytes)
{
	return tls_enter(ctx, (__u64)ssl, (__u64)buf, (__u64)readbytes, 1);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ossl_read_ex_ret, int ret)
{
	return tls_return(ret, true);
}

SEC("uprobe")
int BPF_KPROBE(tls_ossl_write_ex, void *ssl, const void *buf, size_t num, size_t *written)
{
	return tls_enter(ctx, (__u64)ssl, (__u64)buf, (__u64)written, 0);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_ossl_write_ex_ret, int ret)
{
	return tls_return(ret, true);
}

char LICENSE[] SEC("license") = "GPL";
