"""docker-py (Debian's python3-docker) against quilt serve: one scenario per run, named by argv[1].

DOCKER_HOST names the server's socket; QUILT_IMAGE the image; QUILT_PREFIX starts every container name and
QUILT_LABEL (k=v) is set on every container, so the test can find and remove what a failed scenario left.
A scenario asserts and exits non-zero on failure (an AssertionError or a docker error, with its message).
"""
import io
import json
import os
import socket
import struct
import sys
import tarfile
import time

import docker
from docker.errors import APIError, ImageNotFound, NotFound

IMAGE = os.environ["QUILT_IMAGE"]
PREFIX = os.environ["QUILT_PREFIX"]
LABEL_KEY, LABEL_VALUE = os.environ["QUILT_LABEL"].split("=", 1)

# a deadline for every call (no scenario can hang the test); version: what the client negotiates
client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], version="auto", timeout=120)
api = client.api


def labels(**extra):
    out = {LABEL_KEY: LABEL_VALUE}
    out.update(extra)
    return out


def run(name, command=None, **kw):
    """A detached container, ready when run returns (quilt's start answers when the readiness chain holds)."""
    kw.setdefault("labels", labels())
    return client.containers.run(IMAGE, command, detach=True, name=PREFIX + name, **kw)


def demux(raw):
    """docker's multiplexed stream: 8-byte headers (stream, 0, 0, 0, big-endian size) then the payload."""
    out, err, i = b"", b"", 0
    while i < len(raw):
        kind, size = struct.unpack(">BxxxL", raw[i:i + 8])
        payload = raw[i + 8:i + 8 + size]
        if kind == 1:
            out += payload
        elif kind == 2:
            err += payload
        i += 8 + size
    return out, err


def version():
    v = client.version()
    assert v["ApiVersion"] == "1.41", v
    assert api.api_version == "1.41", api.api_version
    assert client.ping() is True


def run_detached():
    c = run("run")
    try:
        c.reload()
        assert c.status == "running", c.status
        assert c.attrs["State"]["Running"] is True, c.attrs["State"]
        assert c.name == PREFIX + "run", c.name
        assert c.labels.get(LABEL_KEY) == LABEL_VALUE, c.labels
        quilt = c.attrs.get("Quilt")
        assert isinstance(quilt, dict) and quilt, "inspect has no Quilt section: %r" % sorted(c.attrs)
        text = json.dumps(quilt)
        for phase in ("spawned", "exec"):
            assert phase in text, "no %s phase under Quilt: %s" % (phase, text)
        listed = client.containers.list(filters={"label": "%s=%s" % (LABEL_KEY, LABEL_VALUE)})
        assert c.id in [x.id for x in listed], listed
    finally:
        c.remove(force=True)


def exec_demux():
    c = run("exec")
    try:
        r = c.exec_run(["sh", "-c", "echo out; echo err >&2; exit 3"], demux=True)
        assert r.exit_code == 3, r
        assert r.output == (b"out\n", b"err\n"), r.output
        r = c.exec_run(["sh", "-c", "echo $FOO; pwd"], environment={"FOO": "bar"}, workdir="/tmp")
        assert r.exit_code == 0 and r.output == b"bar\n/tmp\n", r
    finally:
        c.remove(force=True)


def exec_missing_command():
    """dockerd hijacks the exec's stream, then reports a command it cannot start by its exit code (126; quilt's
    CLI says 127): docker-py's exec_run gets an ExecResult, not an API error."""
    c = run("missing")
    try:
        r = c.exec_run(["no-such-command"])
        assert r.exit_code in (126, 127), r
    finally:
        c.remove(force=True)


def exec_stdin():
    c = run("stdin")
    try:
        e = api.exec_create(c.id, ["sh", "-c", "cat; echo done >&2"], stdin=True)
        sock = api.exec_start(e["Id"], socket=True)
        raw_sock = sock._sock if hasattr(sock, "_sock") else sock
        raw_sock.settimeout(60)
        raw_sock.sendall(b"hello through stdin\n")
        raw_sock.shutdown(socket.SHUT_WR)
        raw = b""
        while True:
            chunk = raw_sock.recv(65536)
            if not chunk:
                break
            raw += chunk
        sock.close()
        out, err = demux(raw)
        assert out == b"hello through stdin\n", (out, err)
        assert err == b"done\n", (out, err)
        info = api.exec_inspect(e["Id"])
        assert info["ExitCode"] == 0 and info["Running"] is False, info
    finally:
        c.remove(force=True)


def archive():
    c = run("archive")
    try:
        payload = os.urandom(100000)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            d = tarfile.TarInfo("box")
            d.type = tarfile.DIRTYPE
            d.mode = 0o755
            t.addfile(d)
            f = tarfile.TarInfo("box/data.bin")
            f.size = len(payload)
            f.mode = 0o640
            t.addfile(f, io.BytesIO(payload))
        assert c.put_archive("/tmp", buf.getvalue()) is True
        r = c.exec_run(["sh", "-c", "wc -c < /tmp/box/data.bin; stat -c %a /tmp/box/data.bin"])
        assert r.exit_code == 0 and r.output.split() == [b"100000", b"640"], r
        stream, stat = c.get_archive("/tmp/box")
        assert stat["name"] == "box", stat
        back = tarfile.open(fileobj=io.BytesIO(b"".join(stream)))
        assert back.extractfile("box/data.bin").read() == payload
        try:
            c.get_archive("/no/such/path")
            raise AssertionError("get_archive of a missing path did not fail")
        except NotFound:
            pass
    finally:
        c.remove(force=True)


def logs_stream():
    c = run("logs", ["sh", "-c", "echo one; echo two >&2; echo three"])
    try:
        got = b"".join(c.logs(stream=True, follow=True))
        assert got == b"one\ntwo\nthree\n" or sorted(got.splitlines()) == [b"one", b"three", b"two"], got
        assert c.wait()["StatusCode"] == 0
        assert c.logs(stdout=True, stderr=False) == b"one\nthree\n", c.logs(stdout=True, stderr=False)
        assert c.logs(stdout=False, stderr=True) == b"two\n"
    finally:
        c.remove(force=True)


def events():
    since = time.time() - 1
    mark = labels(**{"quilt.test.events": PREFIX})
    c = run("events", ["true"], labels=mark)
    assert c.wait()["StatusCode"] == 0
    c.remove()
    until = time.time() + 1
    seen = list(client.events(since=since, until=until, decode=True,
                              filters={"type": "container", "label": "quilt.test.events=" + PREFIX}))
    actions = [e["Action"] for e in seen]
    for a in ("create", "start", "die", "destroy"):
        assert a in actions, "no %s event: %s" % (a, actions)
    assert actions.index("create") < actions.index("start") < actions.index("die") < actions.index("destroy"), actions
    assert all(e["Actor"]["ID"] == c.id for e in seen), seen
    die = [e for e in seen if e["Action"] == "die"][0]
    assert die["Actor"]["Attributes"].get("exitCode") == "0", die


def pause_unpause():
    c = run("pause")
    try:
        c.pause()
        c.reload()
        assert c.status == "paused" and c.attrs["State"]["Paused"] is True, c.attrs["State"]
        try:
            c.pause()
            raise AssertionError("pausing a paused container did not fail")
        except APIError as e:
            assert e.status_code == 409, e
        c.unpause()
        c.reload()
        assert c.status == "running", c.status
        assert c.exec_run(["true"]).exit_code == 0
    finally:
        c.remove(force=True)


def stats():
    c = run("stats")
    try:
        s = c.stats(stream=False)
        assert s["memory_stats"]["usage"] > 0, s["memory_stats"]
        assert s["pids_stats"]["current"] >= 1, s["pids_stats"]
        assert "total_usage" in s["cpu_stats"]["cpu_usage"], s["cpu_stats"]
        assert s["name"] == "/" + PREFIX + "stats", s["name"]
    finally:
        c.remove(force=True)


def stop_wait_remove():
    c = run("stop")
    c.stop(timeout=10)
    c.reload()
    assert c.status == "exited", c.status
    assert "StatusCode" in c.wait(), "wait of a stopped container"
    c.remove()
    try:
        client.containers.get(c.id)
        raise AssertionError("a removed container is still there")
    except NotFound:
        pass
    w = run("wait", ["sh", "-c", "exit 7"])
    assert w.wait()["StatusCode"] == 7
    w.remove()


def ttl():
    since = time.time() - 1
    c = run("ttl", labels=labels(**{"quilt.ttl": "2s"}))
    seen = []
    for e in client.events(since=since, decode=True, filters={"container": c.id}):
        seen.append(e)
        if e["Action"] == "destroy":
            break
    # the reason is on the removal's events (or a quilt.expired event of its own)
    assert any(e["Actor"]["Attributes"].get("reason") == "ttl" for e in seen), seen
    try:
        client.containers.get(c.id)
        raise AssertionError("the ttl's container is still there")
    except NotFound:
        pass


def refusals():
    try:
        run("ports", ports={"80/tcp": 8080})
        raise AssertionError("a port binding was accepted")
    except APIError as e:
        assert e.status_code == 400 and "PortBindings" in str(e.explanation), e
    assert not client.containers.list(all=True, filters={"name": PREFIX + "ports"}), "a half-made container"
    try:
        client.images.pull("no-such-image-anywhere", tag="latest")
        raise AssertionError("a pull did not fail")
    except APIError as e:
        assert "load" in str(e.explanation), e
    try:
        client.containers.get(PREFIX + "ghost")
        raise AssertionError("a missing container was found")
    except NotFound:
        pass


SCENARIOS = {f.__name__: f for f in (version, run_detached, exec_demux, exec_missing_command, exec_stdin, archive, logs_stream, events,
                                     pause_unpause, stats, stop_wait_remove, ttl, refusals)}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
    print("ok " + sys.argv[1])
