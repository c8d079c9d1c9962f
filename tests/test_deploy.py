"""The deployment files (deploy/): HAProxy's config as HAProxy itself reads it, the busy page it
answers with, and the Kubernetes manifests against the Kubernetes schemas (offline), plus the
facts they must share with the server (the health path, the cookie, the port, the sizing)."""

from __future__ import annotations

import copy
import http.client
import re
import shutil
from pathlib import Path

import pytest

from sopkit.serve import replicas
from sopkit.serve.app import HEALTH_PATH

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
    # The memory request holds the server and a full cap of kernels (the figures in deployment.yaml).
    cap = int(next(a for a in container["args"] if a.startswith("--SopkitVoila.max_kernels=")).split("=")[1])
    server_mb, kernel_mb = 180, 135
    request = mebibytes(container["resources"]["requests"]["memory"])
    assert request >= server_mb + cap * kernel_mb
    assert mebibytes(container["resources"]["limits"]["memory"]) >= request


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
