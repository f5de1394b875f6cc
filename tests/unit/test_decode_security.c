/* test_decode_security.c: the security decoders on synthetic kernel records:
 * id/capability formatting, setfs[ug]id outcomes, escape details and
 * truncation, summaries, and rejection of malformed records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include "proctor/abi_security.h"
#include "decode/decode.h"

static struct decode_ctx ctx = {.host = "test"};

static void hdr(struct pr_hdr *h, uint16_t type, uint32_t size, uint16_t flags)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->flags = flags;
	h->pid = h->tid = 42;
	h->uid = 1000;
	memcpy(h->comm, "t", 2);
}

static const char *str(struct record *r, const char *k)
{
	const char *v = record_get_str(r, k);
	return v ? v : "(absent)";
}

static void snap_ids(struct pr_cred_snap *s, uint32_t u, uint32_t eu, uint32_t su)
{
	memset(s, 0, sizeof(*s));
	s->uid = u, s->euid = eu, s->suid = su, s->fsuid = eu;
}

static void test_setresuid_ids(void **st)
{
	struct pr_sec_priv e;
	struct record r;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), 0);
	e.op = PR_PRIV_SETRESUID;
	e.ret = 0;
	e.args[0] = (uint32_t)-1, e.args[1] = 0, e.args[2] = (uint32_t)-1;
	snap_ids(&e.from, 1000, 1000, 1000);
	snap_ids(&e.to, 1000, 0, 1000);
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(r.type_name, "security.privilege");
	assert_string_equal(str(&r, "privilege.operation"), "setresuid");
	assert_string_equal(str(&r, "privilege.from"), "uid=1000");
	assert_string_equal(str(&r, "privilege.to"), "uid=1000,euid=0,suid=1000");
	assert_string_equal(str(&r, "privilege.requested"), "ruid=-1,euid=0,suid=-1");
	assert_string_equal(str(&r, "event.outcome"), "success");
	assert_null(record_get(&r, "error.code"));
	record_free(&r);
}

static void test_setfsuid_outcome_from_effect(void **st)
{
	struct pr_sec_priv e;
	struct record r;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), 0);
	e.op = PR_PRIV_SETFSUID;
	e.ret = 1000; /* the previous fsuid, never an error */
	e.args[0] = 0;
	snap_ids(&e.from, 1000, 1000, 1000);
	snap_ids(&e.to, 1000, 1000, 1000); /* unchanged: refused */
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.from"), "fsuid=1000");
	assert_string_equal(str(&r, "event.outcome"), "failure");
	assert_string_equal(str(&r, "error.code"), "EPERM");
	record_free(&r);
}

static void test_exec_caps_gained(void **st)
{
	struct pr_sec_priv e;
	struct record r;
	const struct field *f;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), 0);
	e.op = PR_PRIV_EXEC;
	e.ret = 0;
	snap_ids(&e.from, 1000, 1000, 1000);
	snap_ids(&e.to, 1000, 1000, 1000);
	e.to.cap_prm = e.to.cap_eff = 1ULL << 13 | 1ULL << 21; /* NET_RAW, SYS_ADMIN */
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.operation"), "capabilities_exec");
	assert_string_equal(str(&r, "privilege.from"), "cap_eff=0x0,cap_prm=0x0,cap_inh=0x0");
	assert_string_equal(str(&r, "privilege.to"),
			    "cap_eff=0x202000,cap_prm=0x202000,cap_inh=0x0");
	f = record_get(&r, "privilege.capabilities_gained");
	assert_non_null(f);
	assert_int_equal(f->sv.n, 2);
	assert_string_equal(f->sv.v[0], "CAP_NET_RAW");
	assert_string_equal(f->sv.v[1], "CAP_SYS_ADMIN");
	assert_null(record_get(&r, "privilege.requested"));
	record_free(&r);
}

static void test_setuid_exec_with_gid(void **st)
{
	struct pr_sec_priv e;
	struct record r;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), 0);
	e.op = PR_PRIV_EXEC;
	snap_ids(&e.from, 1000, 1000, 1000);
	snap_ids(&e.to, 1000, 0, 0);
	e.from.gid = e.from.egid = e.from.sgid = 1000;
	e.to.gid = 1000, e.to.egid = e.to.sgid = 5;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.operation"), "setuid_exec");
	assert_string_equal(str(&r, "privilege.from"), "uid=1000 gid=1000");
	assert_string_equal(str(&r, "privilege.to"),
			    "uid=1000,euid=0,suid=0 gid=1000,egid=5,sgid=5");
	record_free(&r);
}

static void test_groups_truncated(void **st)
{
	struct pr_sec_priv e;
	struct record r;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), PR_SEC_GROUPS_TRUNC);
	e.op = PR_PRIV_SETGROUPS;
	e.ret = -EPERM;
	e.args[0] = 40;
	snap_ids(&e.from, 0, 0, 0);
	snap_ids(&e.to, 0, 0, 0);
	e.from.ngroups = 1, e.from.groups[0] = 27;
	e.to.ngroups = 20;
	for (int i = 0; i < PR_SEC_GROUPS_CAP; i++)
		e.to.groups[i] = i;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.from"), "groups=27");
	assert_string_equal(str(&r, "privilege.to"),
			    "groups=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,...(20)");
	assert_string_equal(str(&r, "error.code"), "EPERM");
	record_free(&r);
}

static void test_memexec_summary(void **st)
{
	struct pr_sec_memexec e;
	struct record r;
	int64_t v;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_MEMEXEC, sizeof(e), PR_SEC_SUMMARY);
	e.op = PR_MEM_PKEY_MPROTECT;
	e.prot = 7;
	e.mem_flags = PR_MEM_ANON;
	e.map_flags = 0;
	e.err = 0;
	e.addr = e.len = 0;
	e.count = 12345;
	e.path_len = 0;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "memory.operation"), "mprotect");
	assert_string_equal(str(&r, "memory.syscall"), "pkey_mprotect");
	assert_string_equal(str(&r, "memory.protection"), "rwx");
	assert_true(record_get(&r, "memory.anonymous")->b);
	assert_true(record_get_int(&r, "memory.count", &v) && v == 12345);
	assert_true(record_get(&r, "memory.summary")->b);
	assert_null(record_get(&r, "memory.address"));
	record_free(&r);
}

static void test_memexec_bad_path_len(void **st)
{
	struct pr_sec_memexec e;
	struct record r;

	(void)st;
	hdr(&e.hdr, PR_EV_SEC_MEMEXEC, sizeof(e), 0);
	e.op = PR_MEM_MMAP;
	e.path_len = 10; /* claims bytes past the record */
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_BAD);
	record_free(&r);
}

static void esc(struct pr_sec_escape *e, long nr, int64_t ret)
{
	memset(e, 0, sizeof(*e));
	hdr(&e->hdr, PR_EV_SEC_ESCAPE, sizeof(*e), 0);
	e->nr = nr;
	e->ret = ret;
	e->count = 1;
}

static void test_escape_mount_truncated(void **st)
{
	struct pr_sec_escape e;
	struct record r;

	(void)st;
	esc(&e, SYS_mount, -EPERM);
	strcpy(e.str[0], "none");
	e.str_len[0] = 5;
	memset(e.str[1], 'a', PR_SEC_STR_CAP - 1);
	e.str_len[1] = PR_SEC_STR_CAP;
	strcpy(e.str[2], "tmpfs");
	e.str_len[2] = 6;
	e.args[3] = 0x1000 | 0x4000 | (1u << 30); /* MS_BIND|MS_REC|unknown */
	e.hdr.flags |= PR_SEC_STR1_TRUNC;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.category"), "mount");
	assert_string_equal(str(&r, "escape.syscall"), "mount");
	const char *d = str(&r, "escape.detail");
	assert_true(strncmp(d, "source=none target=aaaa", 23) == 0);
	assert_non_null(strstr(d, "a... fstype=tmpfs flags=MS_BIND|MS_REC|0x40000000"));
	assert_true(record_get(&r, "escape.truncated")->b);
	assert_string_equal(str(&r, "error.code"), "EPERM");
	record_free(&r);
}

static void test_escape_namespace_and_unknown(void **st)
{
	struct pr_sec_escape e;
	struct record r;
	int64_t v;

	(void)st;
	esc(&e, SYS_clone3, 4321);
	e.aux[0] = 0x10000000 | 0x20000000 | 0x80 | 0x100 /* CLONE_VM: not shown */;
	e.hdr.flags |= PR_SEC_AUX_VALID;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.detail"),
			    "flags=CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWTIME");
	assert_true(record_get_int(&r, "escape.child_pid", &v) && v == 4321);
	record_reset(&r);

	esc(&e, SYS_getpid, 0); /* not an escape syscall: malformed */
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_BAD);
	esc(&e, SYS_mount, 0);
	e.str_len[0] = PR_SEC_STR_CAP + 1; /* impossible length */
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_BAD);
	record_free(&r);
}

static void test_escape_summaries(void **st)
{
	struct pr_sec_escape e;
	struct record r;

	(void)st;
	esc(&e, SYS_ptrace, 0);
	e.hdr.flags = PR_SEC_SUMMARY;
	e.args[0] = 2; /* PEEKDATA */
	e.count = 99;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.detail"), "request=PTRACE_PEEKDATA");
	assert_null(record_get(&r, "escape.target_pid"));
	record_reset(&r);

	esc(&e, SYS_process_vm_readv, -ESRCH);
	e.hdr.flags = PR_SEC_SUMMARY;
	e.args[0] = PR_AGG_ANY;
	e.count = 7;
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.detail"), "pid=other");
	assert_string_equal(str(&r, "error.code"), "ESRCH");
	record_free(&r);
}

/* TIOCSTI: the summary names the tty from its device number (the first
 * record from the kernel's name); failures inject nothing. */
static void test_escape_tiocsti(void **st)
{
	struct pr_sec_escape e;
	struct record r;
	int64_t v;

	(void)st;
	esc(&e, SYS_ioctl, 0);
	e.hdr.flags = PR_SEC_SUMMARY;
	e.args[0] = 136ULL << 20 | 7; /* pts7 */
	e.count = 12;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.category"), "tty");
	assert_string_equal(str(&r, "escape.detail"), "cmd=TIOCSTI tty=pts7");
	assert_string_equal(str(&r, "escape.tty"), "pts7");
	assert_true(record_get_int(&r, "escape.injected_bytes", &v) && v == 12);
	record_reset(&r);

	esc(&e, SYS_ioctl, -EPERM);
	e.args[0] = 5;
	strcpy(e.str[0], "tty1");
	e.str_len[0] = 5;
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.detail"), "cmd=TIOCSTI fd=5 tty=tty1");
	assert_true(record_get_int(&r, "escape.injected_bytes", &v) && v == 0);
	assert_string_equal(str(&r, "error.code"), "EPERM");
	record_free(&r);
}

/* prctl privilege operations: names by option and arg2, sides by kind,
 * ambient gains from the ambient set; an unknown op is malformed. */
static void test_prctl_privilege(void **st)
{
	struct pr_sec_priv e;
	struct record r;
	const struct field *f;

	(void)st;
	memset(&e, 0, sizeof(e));
	hdr(&e.hdr, PR_EV_SEC_PRIV, sizeof(e), 0);
	e.op = PR_PRIV_CAP_AMBIENT;
	e.args[0] = 47, e.args[1] = 2, e.args[2] = 13; /* raise CAP_NET_RAW */
	e.to.cap_amb = 1ULL << 13;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.operation"), "cap_ambient_raise");
	assert_string_equal(str(&r, "privilege.requested"), "cap=CAP_NET_RAW");
	assert_string_equal(str(&r, "privilege.from"), "cap_amb=0x0");
	assert_string_equal(str(&r, "privilege.to"), "cap_amb=0x2000");
	assert_non_null(f = record_get(&r, "privilege.capabilities_gained"));
	record_reset(&r);

	e.op = PR_PRIV_SECUREBITS;
	e.args[1] = 0x14;
	e.from.secbits = PR_CRED_NNP; /* not a securebit: not shown */
	e.to.secbits = 0x14 | PR_CRED_NNP;
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.from"), "securebits=0");
	assert_string_equal(str(&r, "privilege.to"),
			    "securebits=SECBIT_NO_SETUID_FIXUP|SECBIT_KEEP_CAPS");
	record_reset(&r);

	e.op = PR_PRIV_NO_NEW_PRIVS;
	e.args[1] = 1;
	e.from.secbits = 0;
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "privilege.operation"), "set_no_new_privs");
	assert_string_equal(str(&r, "privilege.to"), "no_new_privs=1");
	record_reset(&r);

	e.op = PR_PRIV_CAP_AMBIENT;
	e.args[1] = 1; /* IS_SET: never sent by the kernel side */
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_BAD);
	record_free(&r);
}

/* recvmsg SCM_RIGHTS from outside: sender, count, first fd and file. */
static void test_escape_scm_rights(void **st)
{
	struct pr_sec_escape e;
	struct record r;
	int64_t v;

	(void)st;
	esc(&e, SYS_recvmsg, 1);
	e.args[0] = 3, e.args[1] = 6, e.args[2] = 2, e.args[3] = 4242;
	strcpy(e.str[0], "id_rsa");
	e.str_len[0] = 7;
	record_init(&r);
	assert_int_equal(decode_event(&ctx, &e, sizeof(e), &r), DECODE_OK);
	assert_string_equal(str(&r, "escape.category"), "ptrace");
	assert_string_equal(str(&r, "escape.detail"),
			    "pid=4242 socket_fd=3 fds=2 fd=6 file=id_rsa");
	assert_true(record_get_int(&r, "escape.target_pid", &v) && v == 4242);
	assert_true(record_get_int(&r, "escape.received_fds", &v) && v == 2);
	assert_string_equal(str(&r, "escape.file.name"), "id_rsa");
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setresuid_ids),
		cmocka_unit_test(test_setfsuid_outcome_from_effect),
		cmocka_unit_test(test_exec_caps_gained),
		cmocka_unit_test(test_setuid_exec_with_gid),
		cmocka_unit_test(test_groups_truncated),
		cmocka_unit_test(test_memexec_summary),
		cmocka_unit_test(test_memexec_bad_path_len),
		cmocka_unit_test(test_escape_mount_truncated),
		cmocka_unit_test(test_escape_namespace_and_unknown),
		cmocka_unit_test(test_escape_summaries),
		cmocka_unit_test(test_escape_tiocsti),
		cmocka_unit_test(test_prctl_privilege),
		cmocka_unit_test(test_escape_scm_rights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
