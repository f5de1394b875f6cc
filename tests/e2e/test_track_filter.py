"""test_track_filter.py: the kernel's untracked-task filter (bpf/lib/task.h,
used first by the syscall dispatcher) never hides a tracked task and never
lets an untracked one through. A tracked process deep in nested child cgroups
(made by the kernel-side cgroup_mkdir hook, not by proctor) is recorded; with
the filter shrunk to one slot (PROCTOR_TRACK_FILTER_BITS=0) every cgroup id
collides, so tracked and untracked tasks share the slot and only the
tracked_cgroups hash tells them apart: the tracked one is recorded, an
untracked process opening its own file all along is not."""
import os
import subprocess
import time

import pytest

from conftest import of_type

DEPTH = 6


def cgroup2_mount():
    return [l.split()[1] for l in open("/proc/mounts") if l.split()[2] == "cgroup2"][0]


def nested_script(marker):
    """sh: make DEPTH nested cgroups under our own, move there, open marker."""
    mnt = cgroup2_mount()
    return (f'cg={mnt}$(grep ^0:: /proc/self/cgroup | cut -d: -f3); '
            f'for i in $(seq {DEPTH}); do cg=$cg/n$i; mkdir $cg || exit 3; done; '
            f'echo $$ > $cg/cgroup.procs || exit 4; '
            f'grep ^0:: /proc/self/cgroup; cat {marker}')


def opens_of(events, path):
    return [e for e in of_type(events, "file.open") if e["file.path"] == path]


@pytest.mark.parametrize("bits", [None, "0"])
def test_tracked_task_in_deeply_nested_cgroup_is_recorded(proctor, tmp_path, bits):
    marker = tmp_path / "tracked-marker"
    marker.write_text("x\n")
    env = dict(os.environ)
    if bits is not None:
        env["PROCTOR_TRACK_FILTER_BITS"] = bits
    p = proctor.run(["sh", "-c", nested_script(marker)], "--grace", "1s", env=env)
    assert p.returncode == 0, p.stderr
    assert "/n1/n2/n3/n4/n5/n6" in p.stdout
    ev = proctor.events()
    got = opens_of(ev, str(marker))
    assert got, f"tracked open in a depth-{DEPTH} cgroup missing"
    assert got[0]["process.name"] == "cat"


@pytest.mark.parametrize("bits", [None, "0"])
def test_untracked_task_not_recorded_even_when_its_slot_collides(proctor, tmp_path, bits):
    tracked, untracked = tmp_path / "tracked", tmp_path / "untracked"
    tracked.write_text("t\n")
    untracked.write_text("u\n")
    env = dict(os.environ)
    if bits is not None:
        env["PROCTOR_TRACK_FILTER_BITS"] = bits
    # An outside process (our own, untracked cgroup) opening its file all along.
    outside = subprocess.Popen(
        ["sh", "-c", f"while :; do cat {untracked} >/dev/null; done"])
    try:
        time.sleep(0.2)
        p = proctor.run(["sh", "-c", f"cat {tracked}; sleep 0.5; cat {tracked}"],
                        "--grace", "1s", env=env)
        assert p.returncode == 0, p.stderr
    finally:
        outside.kill()
        outside.wait()
    ev = proctor.events()
    assert opens_of(ev, str(tracked)), "the tracked task's opens are missing"
    assert not opens_of(ev, str(untracked)), "an untracked task was recorded"
    assert not [e for e in ev if e["process.pid"] == outside.pid]
