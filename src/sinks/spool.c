/* spool.c: segment files NNNNNNNNNNNNNNNN.seg holding entries
 * [u32 len][u32 crc32][u64 session_key][payload], a "cursor" file
 * ("SEQ OFFSET", replaced atomically), eviction of the oldest segment when
 * over budget, and recovery after a crash (a torn tail ends a segment). */
#include "sinks/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "util/util.h"

#define HDR	  16
#define MAX_SEGS  4096
#define MAX_ENTRY (64u << 20)

struct seg {
	uint64_t seq, size;
	uint64_t entries; /* known for segments written by this process, else counted on scan */
};

struct spool {
	pthread_mutex_t mu;
	char dir[1024];
	uint64_t max_bytes, seg_max;
	struct seg segs[MAX_SEGS];
	size_t nsegs;
	int wfd;	      /* append fd of segs[nsegs-1] */
	int lockfd;	      /* flock: one process (and one sink) per spool */
	struct spool_pos cur; /* read cursor */
	uint64_t pending;     /* entries after the cursor */
	spool_evict_fn evict;
	void *ctx;
};

static void seg_path(const struct spool *sp, uint64_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016" PRIx64 ".seg", sp->dir, seq);
}

static int cmp_seg(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Count entries in segment from offset; stops at a torn/corrupt tail. */
static uint64_t count_entries(const struct spool *sp, uint64_t seq, uint64_t off,
			      void (*each)(const struct spool *, uint64_t), uint64_t *valid_end)
{
	char path[1100];
	unsigned char h[HDR];
	uint64_t n = 0;
	int fd;

	seg_path(sp, seq, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	for (;;) {
		uint32_t len;
		uint64_t key;
		if (pread(fd, h, HDR, (off_t)off) != HDR)
			break;
		memcpy(&len, h, 4);
		memcpy(&key, h + 8, 8);
		if (len > MAX_ENTRY)
			break;
		{
			struct stat st;
			if (fstat(fd, &st) || (uint64_t)st.st_size < off + HDR + len)
				break;
		}
		if (each)
			each(sp, key);
		off += HDR + len;
		n++;
	}
	if (valid_end)
		*valid_end = off;
	close(fd);
	return n;
}

static void write_cursor(struct spool *sp)
{
	char path[1100], tmp[1100], line[64];
	int fd, n;

	snprintf(path, sizeof(path), "%s/cursor", sp->dir);
	snprintf(tmp, sizeof(tmp), "%s/cursor.tmp", sp->dir);
	n = snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n", sp->cur.seq, sp->cur.off);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, line, (size_t)n) == n)
		rename(tmp, path);
	close(fd);
}

static int open_wfd(struct spool *sp)
{
	char path[1100];

	if (sp->wfd >= 0)
		close(sp->wfd);
	seg_path(sp, sp->segs[sp->nsegs - 1].seq, path, sizeof(path));
	sp->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return sp->wfd < 0 ? -1 : 0;
}

static int new_segment(struct spool *sp)
{
	uint64_t seq = sp->nsegs ? sp->segs[sp->nsegs - 1].seq + 1 : 1;

	if (sp->nsegs >= MAX_SEGS)
		return -1;
	sp->segs[sp->nsegs++] = (struct seg){.seq = seq};
	return open_wfd(sp);
}

static int scan_dir(struct spool *sp)
{
	DIR *d = opendir(sp->dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && sp->nsegs < MAX_SEGS) {
		char *end;
		uint64_t seq = strtoull(de->d_name, &end, 16);
		struct stat st;
		char path[1100];
		if (end == de->d_name || strcmp(end, ".seg"))
			continue;
		seg_path(sp, seq, path, sizeof(path));
		if (stat(path, &st))
			continue;
		sp->segs[sp->nsegs++] = (struct seg){.seq = seq, .size = (uint64_t)st.st_size};
	}
	closedir(d);
	qsort(sp->segs, sp->nsegs, sizeof(sp->segs[0]), cmp_seg);
	return 0;
}

static void load_cursor(struct spool *sp)
{
	char path[1100], buf[128];
	unsigned long long seq = 0, off = 0;
	size_t i;

	snprintf(path, sizeof(path), "%s/cursor", sp->dir);
	if (read_small_file(path, buf, sizeof(buf)) > 0 &&
	    sscanf(buf, "%llu %llu", &seq, &off) == 2) {
		sp->cur.seq = seq;
		sp->cur.off = off;
	}
	/* The cursor's segment may be gone (evicted or fully read). */
	if (sp->nsegs && sp->cur.seq < sp->segs[0].seq)
		sp->cur = (struct spool_pos){.seq = sp->segs[0].seq};
	sp->pending = 0;
	for (i = 0; i < sp->nsegs; i++) {
		uint64_t from = sp->segs[i].seq == sp->cur.seq ? sp->cur.off : 0;
		uint64_t valid;
		if (sp->segs[i].seq < sp->cur.seq)
			continue;
		sp->segs[i].entries = count_entries(sp, sp->segs[i].seq, from, NULL, &valid);
		sp->pending += sp->segs[i].entries;
		if (valid < sp->segs[i].size && i + 1 == sp->nsegs) {
			/* Torn tail from a crash: cut it so appends stay aligned. */
			char p[1100];
			seg_path(sp, sp->segs[i].seq, p, sizeof(p));
			if (!truncate(p, (off_t)valid))
				sp->segs[i].size = valid;
		}
	}
}

static int lock_dir(struct spool *sp)
{
	char path[1100];

	snprintf(path, sizeof(path), "%s/lock", sp->dir);
	sp->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sp->lockfd < 0)
		return -1;
	return flock(sp->lockfd, LOCK_EX | LOCK_NB);
}

struct spool *spool_open(const char *dir, uint64_t max_bytes, spool_evict_fn fn, void *ctx,
			 char *err, size_t errlen)
{
	struct spool *sp = calloc(1, sizeof(*sp));

	if (!sp) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&sp->mu, NULL);
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	sp->max_bytes = max_bytes ? max_bytes : 256ull << 20;
	sp->seg_max = sp->max_bytes / 16;
	if (sp->seg_max < 4096)
		sp->seg_max = 4096;
	if (sp->seg_max > (16u << 20))
		sp->seg_max = 16u << 20;
	sp->wfd = -1;
	sp->evict = fn;
	sp->ctx = ctx;
	sp->lockfd = -1;
	if (mkdir_p(dir, 0700) || lock_dir(sp) || scan_dir(sp)) {
		int e = errno;
		snprintf(err, errlen, "spool %s: %s", dir,
			 e == EWOULDBLOCK ? "in use by another sink or proctor" : strerror(e));
		if (sp->lockfd >= 0)
			close(sp->lockfd);
		free(sp);
		errno = e;
		return NULL;
	}
	load_cursor(sp);
	if (!sp->nsegs) {
		sp->cur = (struct spool_pos){.seq = 1};
		if (new_segment(sp))
			goto fail;
	} else if (open_wfd(sp)) {
		goto fail;
	}
	return sp;
fail:
	snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
	spool_close(sp);
	return NULL;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	pthread_mutex_destroy(&sp->mu);
	free(sp);
}

static uint64_t total_bytes(const struct spool *sp)
{
	uint64_t t = 0;
	size_t i;
	for (i = 0; i < sp->nsegs; i++)
		t += sp->segs[i].size;
	return t;
}

static void report_evicted(const struct spool *sp, uint64_t key)
{
	if (sp->evict)
		sp->evict(sp->ctx, key);
}

static void remove_first_segment(struct spool *sp)
{
	char path[1100];

	seg_path(sp, sp->segs[0].seq, path, sizeof(path));
	unlink(path);
	memmove(&sp->segs[0], &sp->segs[1], (sp->nsegs - 1) * sizeof(sp->segs[0]));
	sp->nsegs--;
}

/* Drop the oldest segment, reporting its unsent entries. */
static void evict_oldest(struct spool *sp)
{
	uint64_t seq = sp->segs[0].seq, from = 0, n = 0;

	if (sp->cur.seq <= seq) {
		from = sp->cur.seq == seq ? sp->cur.off : 0;
		n = count_entries(sp, seq, from, report_evicted, NULL);
	}
	remove_first_segment(sp);
	sp->pending = sp->pending > n ? sp->pending - n : 0;
	if (sp->cur.seq <= seq) {
		sp->cur.seq = sp->segs[0].seq;
		sp->cur.off = 0;
		write_cursor(sp);
	}
}

int spool_append(struct spool *sp, const void *data, size_t len, uint64_t session_key)
{
	unsigned char h[HDR];
	uint32_t l32 = (uint32_t)len, crc;
	struct seg *last;
	int rc = 0;

	if (len > MAX_ENTRY)
		return -1;
	crc = (uint32_t)crc32(0, data, (uInt)len);
	memcpy(h, &l32, 4);
	memcpy(h + 4, &crc, 4);
	memcpy(h + 8, &session_key, 8);
	pthread_mutex_lock(&sp->mu);
	last = &sp->segs[sp->nsegs - 1];
	if (last->size && last->size + HDR + len > sp->seg_max) {
		if (new_segment(sp)) {
			rc = -1;
			goto out;
		}
		last = &sp->segs[sp->nsegs - 1];
	}
	{
		/* One writev per entry; a crash mid-write leaves at worst a
		 * torn tail, which load_cursor() cuts on the next open. */
		struct iovec iov[2] = {{h, HDR}, {(void *)data, len}};
		if (writev(sp->wfd, iov, 2) != (ssize_t)(HDR + len)) {
			rc = -1;
			goto out;
		}
	}
	last->size += HDR + len;
	last->entries++;
	sp->pending++;
	while (total_bytes(sp) > sp->max_bytes && sp->nsegs > 1)
		evict_oldest(sp);
out:
	pthread_mutex_unlock(&sp->mu);
	return rc;
}

static int seg_index(const struct spool *sp, uint64_t seq)
{
	size_t i;
	for (i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].seq == seq)
			return (int)i;
	return -1;
}

size_t spool_peek(struct spool *sp, size_t max, size_t max_bytes, struct strbuf *buf,
		  struct spool_pos *next)
{
	struct spool_pos pos;
	size_t n = 0;
	int fd = -1;
	uint64_t fd_seq = 0;

	sb_reset(buf);
	pthread_mutex_lock(&sp->mu);
	pos = sp->cur;
	pos.consumed = pos.corrupt = 0;
	while (n < max && buf->len < max_bytes) {
		int i = seg_index(sp, pos.seq);
		unsigned char h[HDR];
		uint32_t len, crc;
		if (i < 0)
			break;
		if (pos.off + HDR > sp->segs[i].size) {
			if ((size_t)i + 1 >= sp->nsegs)
				break;
			pos.seq = sp->segs[i + 1].seq;
			pos.off = 0;
			continue;
		}
		if (fd < 0 || fd_seq != pos.seq) {
			char path[1100];
			if (fd >= 0)
				close(fd);
			seg_path(sp, pos.seq, path, sizeof(path));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			fd_seq = pos.seq;
			if (fd < 0)
				break;
		}
		if (pread(fd, h, HDR, (off_t)pos.off) != HDR)
			break;
		memcpy(&len, h, 4);
		memcpy(&crc, h + 4, 4);
		if (len > MAX_ENTRY || pos.off + HDR + len > sp->segs[i].size ||
		    sb_grow(buf, len + 4))
			break;
		memcpy(buf->buf + buf->len, &len, 4);
		if (pread(fd, buf->buf + buf->len + 4, len, (off_t)(pos.off + HDR)) != (ssize_t)len)
			break;
		pos.off += HDR + len;
		pos.consumed++;
		if ((uint32_t)crc32(0, (unsigned char *)buf->buf + buf->len + 4, len) != crc) {
			pos.corrupt++; /* skipped; the caller counts it */
			continue;
		}
		buf->len += 4 + len;
		n++;
	}
	if (fd >= 0)
		close(fd);
	*next = pos;
	pthread_mutex_unlock(&sp->mu);
	return n;
}

int spool_commit(struct spool *sp, const struct spool_pos *next)
{
	pthread_mutex_lock(&sp->mu);
	if (next->seq < sp->cur.seq || seg_index(sp, next->seq) < 0) {
		/* Evicted underneath the reader: those entries were counted. */
		pthread_mutex_unlock(&sp->mu);
		return 0;
	}
	/* Delete fully read segments before the new position. */
	while (sp->nsegs > 1 && sp->segs[0].seq < next->seq)
		remove_first_segment(sp);
	sp->cur.seq = next->seq;
	sp->cur.off = next->off;
	sp->pending = sp->pending > next->consumed ? sp->pending - next->consumed : 0;
	write_cursor(sp);
	pthread_mutex_unlock(&sp->mu);
	return 0;
}

uint64_t spool_bytes(struct spool *sp)
{
	uint64_t t;
	pthread_mutex_lock(&sp->mu);
	t = total_bytes(sp);
	t = t > sp->cur.off ? t - sp->cur.off : 0;
	pthread_mutex_unlock(&sp->mu);
	return t;
}

uint64_t spool_pending(struct spool *sp)
{
	uint64_t n;
	pthread_mutex_lock(&sp->mu);
	n = sp->pending;
	pthread_mutex_unlock(&sp->mu);
	return n;
}
