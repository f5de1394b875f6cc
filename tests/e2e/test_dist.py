"""test_dist.py: the shipped deployment files (dist/) parse and say what
docs/DAEMON.md promises: kinds, host mounts, capabilities, the collector's
OTLP-to-OpenSearch pipeline, the systemd unit's command and hardening.
Offline; `kubectl --dry-run=client` as well when kubectl is installed."""
import configparser
import os
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

K8S = os.path.join(ROOT, "dist", "kubernetes")


def docs(name):
    with open(os.path.join(K8S, name)) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def test_manifest_kinds():
    kinds = sorted((d["kind"], d["metadata"]["name"]) for n in os.listdir(K8S)
                   if n.endswith(".yaml") for d in docs(n))
    assert kinds == [("ClusterRole", "proctor-pod-reader"),
                     ("ClusterRoleBinding", "proctor-pod-reader"),
                     ("ConfigMap", "proctor-collector"), ("DaemonSet", "proctor"),
                     ("Deployment", "proctor-collector"), ("Namespace", "proctor"),
                     ("Service", "proctor-collector"), ("ServiceAccount", "proctor")]


def test_daemonset_mounts_and_capabilities():
    (ds,) = [d for d in docs("daemonset.yaml") if d["kind"] == "DaemonSet"]
    spec = ds["spec"]["template"]["spec"]
    assert spec["hostPID"] is True and spec["serviceAccountName"] == "proctor"
    (c,) = spec["containers"]
    assert c["args"][0] == "daemon"
    assert "--export=otlp+http://proctor-collector.proctor.svc:4318" in c["args"]
    caps = c["securityContext"]["capabilities"]
    assert caps["drop"] == ["ALL"]
    assert {"BPF", "PERFMON", "SYS_ADMIN", "SYS_RESOURCE"} <= set(caps["add"])
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    hosts = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
    for path in ("/sys/kernel/btf", "/sys/fs/cgroup", "/sys/fs/bpf", "/run/proctor",
                 "/var/lib/proctor"):
        name = [n for n, p in mounts.items() if p == path]
        assert name and hosts[name[0]] == path, path


def test_rbac_reads_pods_only():
    (role,) = [d for d in docs("rbac.yaml") if d["kind"] == "ClusterRole"]
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods", "namespaces"],
                              "verbs": ["get", "list", "watch"]}]


def test_collector_ships_otlp_to_opensearch():
    (cm,) = [d for d in docs("collector.yaml") if d["kind"] == "ConfigMap"]
    cfg = yaml.safe_load(cm["data"]["config.yaml"])
    assert cfg["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    assert cfg["service"]["pipelines"]["logs"] == {"receivers": ["otlp"],
                                                   "processors": ["batch"],
                                                   "exporters": ["opensearch"]}
    assert cfg["exporters"]["opensearch"]["http"]["endpoint"].startswith("https://")


def test_systemd_unit():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(os.path.join(ROOT, "dist", "systemd", "proctor.service"))
    svc = unit["Service"]
    assert svc["ExecStart"].split()[1:3] == ["daemon", "--db"]
    for k, v in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                 ("RuntimeDirectory", "proctor"), ("LimitMEMLOCK", "infinity")):
        assert svc[k] == v, k
    assert "CAP_BPF" in svc["CapabilityBoundingSet"].split()
    if shutil.which("systemd-analyze"):
        p = subprocess.run(["systemd-analyze", "verify",
                            os.path.join(ROOT, "dist", "systemd", "proctor.service")],
                           capture_output=True, text=True)
        assert "Unknown key" not in p.stderr and "Invalid" not in p.stderr, p.stderr


def kubectl_problem():
    if not shutil.which("kubectl"):
        return "kubectl not installed"
    p = subprocess.run(["kubectl", "version", "--request-timeout=2s"], capture_output=True)
    # even --dry-run=client needs an API server for the REST mapping
    return None if p.returncode == 0 else "kubectl has no API server to dry-run against"


def test_kubectl_dry_run():
    problem = kubectl_problem()
    if problem:
        pytest.skip(problem)
    p = subprocess.run(["kubectl", "apply", "--dry-run=client", "--validate=false", "-f", K8S],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
