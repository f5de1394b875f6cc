/* test_container.c: cgroup path -> container runtime, id and pod uid, for
 * each runtime's systemd and cgroupfs layouts, and paths that are not a
 * container's (the monitor, slices, short or upper-case ids). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "model/container.h"

#define ID   "3f2a9c0b1d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
#define UID  "6b1f7c4e-2d3a-4b5c-8d9e-0f1a2b3c4d5e"
#define UID_ "6b1f7c4e_2d3a_4b5c_8d9e_0f1a2b3c4d5e"

static void expect(const char *path, const char *runtime, const char *uid)
{
	struct container c;

	assert_true(container_from_cgroup(path, &c));
	assert_string_equal(c.runtime, runtime);
	assert_string_equal(c.id, ID);
	assert_string_equal(c.pod_uid, uid);
	assert_string_equal(c.name, "");
}

static void test_runtimes(void **state)
{
	(void)state;
	expect("/machine.slice/libpod-" ID ".scope", "podman", "");
	expect("/machine.slice/libpod-" ID ".scope/container", "podman", "");
	expect("/libpod_parent/libpod-" ID, "podman", "");
	expect("/system.slice/docker-" ID ".scope", "docker", "");
	expect("/docker/" ID, "docker", "");
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	       ".slice/cri-containerd-" ID ".scope",
	       "containerd", UID);
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope",
	       "containerd", UID);
	expect("/kubepods/besteffort/pod" UID "/" ID, "containerd", UID);
	expect("/kubepods/pod" UID "/" ID, "containerd", UID);
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	       ".slice/crio-" ID ".scope",
	       "cri-o", UID);
	expect("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" ID ".scope", "docker", UID);
}

static void test_not_containers(void **state)
{
	static const char *const paths[] = {
		"",
		"/",
		"/user.slice/user-0.slice/session-1.scope",
		"/machine.slice/libpod-conmon-" ID ".scope",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		".slice/crio-conmon-" ID ".scope",
		"/system.slice/docker-" ID "0.scope", /* 65 hex */
		"/system.slice/docker-3F2A.scope",    /* short */
		"/docker/3F2A9C0B1D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8",
		"/" ID, /* a bare id with no runtime above */
		"/proctor/20261122T150434-3f2a9c",
		"/kubepods/burstable/podnot-a-uid/xyz",
	};
	struct container c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		assert_false(container_from_cgroup(paths[i], &c));
		assert_string_equal(c.id, "");
		assert_string_equal(c.runtime, "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtimes),
		cmocka_unit_test(test_not_containers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
