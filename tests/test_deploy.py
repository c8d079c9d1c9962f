"""The deployment files (deploy/): HAProxy's config as HAProxy itself reads it, the busy page it
answers with, and the Kubernetes manifests against the Kubernetes schemas (offline), plus the
facts they must share with the server (the health path, the cookie, the port, the sizing)."""

from __future__ import annotations

import copy
import http.client
import json
import math
import re
import shutil
from pathlib import Path

import pytest

from sopkit.paths import workbooks_dir
from sopkit.serve import capacity, openfiles, replicas
from sopkit.serve.app import HEALTH_PATH, LANDING_PAGE, SopkitVoila

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "kubernetes"
K8S_VERSION = "1.30.0"
needs_haproxy = pytest.mark.skipif(shutil.which(replicas.HAPROXY) is None, reason="no haproxy (scripts/setup.sh --browser installs it)")


def test_the_committed_busy_page_is_the_server_s():
    # deploy/haproxy/errors/503-busy.http is for a system HAProxy; the replicas command writes a
    # fresh one. Regenerate: .venv/bin/python -m sopkit.serve.replicas --busy-page > deploy/haproxy/errors/503-busy.http
    assert replicas.COMMITTED_ERRORFILE.read_bytes() == replicas.busy_response()
    head, _, body = replicas.busy_response().partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ") and f"Content-Length: {len(body)}".encode() in head
    text = body.decode()
    assert 'class="sop-busy"' in text and "Too many pages" in text and "目前打开的页面过多" in text


@needs_haproxy
def test_haproxy_accepts_the_filled_template(tmp_path):
    config = replicas.write_config(tmp_path, replicas.parse_hosts("10.0.0.11:8866,10.0.0.12:8866,localhost:8866"), "*:80")
    checked = replicas.check_config(config)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = config.read_text()
    assert "@" not in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert f"uri /{HEALTH_PATH} " in text and f"cookie {replicas.COOKIE} insert" in text
    assert re.search(r"^\s*server r3 localhost:8866 cookie r3$", text, re.M)


def test_the_command_writes_a_config_for_other_hosts(tmp_path, capsys):
    code = replicas.main(["--hosts", "10.0.0.11:8866,10.0.0.12:8866", "--port", "8080", "--bind", "0.0.0.0", "--write", str(tmp_path)])
    assert code == 0
    assert "bind 0.0.0.0:8080" in (tmp_path / "haproxy.cfg").read_text()
    assert (tmp_path / "503-busy.http").read_bytes() == replicas.busy_response()
    with pytest.raises(ValueError):
        replicas.parse_hosts("no-port-here")


# ---- Kubernetes -----------------------------------------------------------------------------------


def manifests() -> dict[str, dict]:
    yaml = pytest.importorskip("yaml")
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            docs[doc["kind"]] = doc
    return docs


def test_kubernetes_manifests_pass_the_schemas_and_a_broken_one_does_not():
    kv = pytest.importorskip("kubernetes_validate")
    docs = manifests()
    assert set(docs) == {"Deployment", "Service", "Ingress"}
    for doc in docs.values():
        kv.validate(doc, K8S_VERSION, strict=True)
    broken = copy.deepcopy(docs["Deployment"])
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = {"not": "a port"}
    with pytest.raises(kv.ValidationError):
        kv.validate(broken, K8S_VERSION, strict=True)


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(Mi|Gi)", quantity).groups()
    return float(number) * (1024 if unit == "Gi" else 1)


def arg(args: list[str], name: str) -> str | None:
    return next((a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")), None)


def test_kubernetes_manifests_agree_with_the_server():
    docs = manifests()
    pod = docs["Deployment"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == f"/{HEALTH_PATH}"
    assert docs["Ingress"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/session-cookie-name"] == replicas.COOKIE
    port = next(a for a in container["args"] if a.startswith("--port="))
    assert container["ports"][0]["containerPort"] == int(port.split("=")[1])
    assert docs["Service"]["spec"]["ports"][0]["targetPort"] == container["ports"][0]["name"]


def test_the_kubernetes_pod_is_sized_for_forked_kernels_from_the_capacity_figures():
    """deployment.yaml runs the meeting plan with forked kernels; its cap, memory and CPU follow
    from sopkit/serve/capacity.py as the server computes them, and its header says the same
    numbers: a changed constant or a changed manifest without the other fails here."""
    text = (K8S / "deployment.yaml").read_text(encoding="utf-8")
    [container] = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    args, resources = container["args"], container["resources"]
    fork = arg(args, "SopkitVoila.fork_kernels")
    server = SopkitVoila(meeting="--meeting" in args, fork_kernels=None if fork is None else fork == "True")
    assert server.meeting and server.forking, "the pod runs --meeting with forked kernels"
    # --meeting replaces max_kernels with its plan's cap: a max_kernels here would say a cap the pod does not have.
    assert arg(args, "SopkitVoila.max_kernels") is None
    # The plan reads the memory available; in a container that is the node's: the pod names its own.
    request = mebibytes(resources["requests"]["memory"])
    assert float(arg(args, "SopkitVoila.meeting_memory_mb")) == request
    cores = int(resources["limits"]["cpu"])
    notebooks = sorted(p.name for p in workbooks_dir().glob("*.ipynb"))
    plan = capacity.plan_meeting(request, cores, notebooks, LANDING_PAGE, forked=True)
    cap = plan.max_kernels
    # The header's figures are the plan's.
    stated = re.search(r"^#\s+kernels per pod\s+(\d+)\b", text, re.M)
    assert stated and int(stated.group(1)) == cap, f"the header says {stated and stated.group(1)} kernels per pod, the plan {cap}"
    budget = capacity.SERVER_MB + capacity.TEMPLATE_MB + cap * capacity.FORKED_KERNEL_MB
    assert f"{capacity.SERVER_MB} + {capacity.TEMPLATE_MB} + {cap} x {capacity.FORKED_KERNEL_MB} = {budget} MB" in text
    assert budget / (1 - capacity.RESERVE_SHARE) <= request  # the plan's reserve on top (it is what makes the cap)
    pods = re.search(r"e\.g\. 200 -> (\d+) pods", text)
    assert pods and int(pods.group(1)) == math.ceil(200 / cap)
    # The limit: one kernel may grow to its stop threshold (USS for a forked kernel) before it is stopped.
    kernel_limit = json.loads((ROOT / "sopkit" / "serve" / "voila.json").read_text())["MappingKernelManager"]["kernel_memory_limit"]
    assert mebibytes(resources["limits"]["memory"]) >= request + kernel_limit - capacity.FORKED_KERNEL_MB
    # CPU: refills at most one a core of the pod (the plan would count the node's), and the
    # server's one core stays under ~0.7 busy with first visits when the whole cap arrives in a minute.
    assert int(arg(args, "MappingKernelManager.pool_start_concurrency")) == cores
    assert capacity.arrivals_table(cap, cores, plan.pool_total)["server_core_share"] <= 0.7
    assert int(resources["requests"]["cpu"]) >= 1 and cores >= 2
    # The open files a full cap needs fit a container runtime's usual hard limit, and are written down.
    assert openfiles.kernels_allowed(openfiles.BASE_FDS + cap * openfiles.FDS_PER_KERNEL) >= cap
    assert f"{openfiles.BASE_FDS} + {cap} x {openfiles.FDS_PER_KERNEL} = {openfiles.BASE_FDS + cap * openfiles.FDS_PER_KERNEL}" in text


@needs_haproxy
def test_with_no_replica_up_the_balancer_answers_with_the_busy_page(tmp_path):
    # --hosts mode, pointed at a port where nothing listens: HAProxy's own 503 is the server's page.
    from sopkit.serve.local import free_port

    with replicas.running(hosts=[replicas.Backend("r1", "127.0.0.1", free_port())], run_dir=tmp_path) as cluster:
        conn = http.client.HTTPConnection("127.0.0.1", cluster.port, timeout=30)
        conn.request("GET", "/voila/render/overview.ipynb")
        reply = conn.getresponse()
        body = reply.read().decode()
        conn.close()
    assert reply.status == 503 and reply.getheader("Retry-After") == str(replicas.RETRY_SECONDS)
    assert 'class="sop-busy"' in body and "目前打开的页面过多" in body
