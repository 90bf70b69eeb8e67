"""Batch past one machine: partitions on a Dask cluster (a LocalCluster of 2 worker
processes), people from and posters to S3 (moto's server on loopback, through s3fs),
folders and globs of CSV / JSON Lines / Parquet parts, and URLs that commands which
write local folders refuse."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import warnings
from signal import SIGKILL
from pathlib import Path

import pytest
from PIL import Image

from postergen.batch.run import BatchOptions, batch, run_batch
from postergen.errors import PostergenError
from postergen.loader import load_campaign
from postergen.qrcheck import decode
from test_batch import SECRET, TEA, people_file, read_csv, small_campaign

pytest.importorskip("distributed")
pytest.importorskip("s3fs")
pytest.importorskip("moto")

BUCKET = "posters"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_SESSION_TOKEN": "testing"}


@pytest.fixture(scope="module")
def s3():
    """An S3 endpoint on 127.0.0.1 (moto's server mode) with one bucket; fake credentials in the environment."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {**CREDENTIALS, **SECRET}.items():
            mp.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            mp.delenv(key, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        fs = _fs(endpoint)
        fs.mkdir(BUCKET)
        try:
            yield endpoint
        finally:
            server.stop()


def _fs(endpoint: str):
    import s3fs

    return s3fs.S3FileSystem(client_kwargs={"endpoint_url": endpoint}, skip_instance_cache=True)


def _options(endpoint: str) -> dict:
    return {"client_kwargs": {"endpoint_url": endpoint}}


@pytest.fixture(scope="module")
def cluster(s3):
    """Two worker processes, one thread each, no dashboard; started after the credentials are set."""
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        # No dashboard, but the scheduler's health endpoint takes 127.0.0.1:8787 or, when
        # another process has that port, a free one (with a warning).
        warnings.filterwarnings("ignore", message="Port 8787 is already in use", category=UserWarning)
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    with cluster as c, Client(c, set_as_default=False) as client:
        yield c, client


@pytest.fixture
def tea(tmp_path, s3):
    return small_campaign(tmp_path)


def _rows(n: int, prefix: str = "m") -> list[tuple]:
    nicks = ["小鹿", "阿杰🏀", "Lily🌸", "👨‍👩‍👧 一家人", "𠮷野家"]
    return [(f"{prefix}{i:03d}", f"{nicks[i % 5]}{i}", f"avatars/a0{i % 10}.jpg") for i in range(n)]


def _s3_csv(fs, key: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(fs.cat_file(key).decode("utf-8-sig"))))


def _check_objects(fs, prefix: str, people: list[dict], decode_every: int = 1) -> None:
    """Every good row's poster is one object whose QR carries the row's URL; nothing else is there."""
    good = [r for r in people if r["status"] != "failed"]
    keys = sorted(k for k in fs.find(f"{prefix}/posters"))
    assert keys == sorted(f"{prefix}/{r['paths']}" for r in good)
    for r in good[::decode_every]:
        image = Image.open(io.BytesIO(fs.cat_file(f"{prefix}/{r['paths']}")))
        assert image.size == (540, 960)
        assert decode(image) == [r["url"]]
    assert not [k for k in fs.find(prefix) if k.endswith(".part")]


def test_cluster_batch_reads_people_from_s3_and_writes_posters_to_s3(tea, s3, cluster):
    c, _ = cluster
    fs = _fs(s3)
    rows = _rows(40) + [("m005", "twice", ""), ("m041", "no file", "avatars/missing.jpg")]
    local = people_file(tea, rows)
    fs.put_file(str(local), f"{BUCKET}/in/people.csv")
    for avatar in sorted((tea / "avatars").glob("*.jpg")):
        fs.put_file(str(avatar), f"{BUCKET}/in/avatars/{avatar.name}")
    options = BatchOptions(scheduler=c.scheduler_address, avatar_required=True, partition_rows=8)
    loaded = load_campaign(tea)
    summary = run_batch(loaded, f"s3://{BUCKET}/in/people.csv", f"s3://{BUCKET}/out", options,
                        storage_options=_options(s3))
    assert (summary.rows, summary.written, summary.failed) == (42, 40, 2)
    people = _s3_csv(fs, f"{BUCKET}/out/people.csv")
    assert [r["id"] for r in people] == [r[0] for r in rows]  # row order, each row once
    assert len({r["code"] for r in people if r["status"] == "written"}) == 40
    _check_objects(fs, f"{BUCKET}/out", people)
    failed = _s3_csv(fs, f"{BUCKET}/out/failed.csv")
    assert [(f["row"], f["id"], f["column"]) for f in failed] == [("42", "m005", "id"), ("43", "m041", "avatar")]
    assert "duplicate id 'm005'" in failed[0]["reason"]
    assert "avatar file not found: avatars/missing.jpg" in failed[1]["reason"]
    assert f"s3://{BUCKET}/in" in failed[1]["reason"]

    # the same bytes as a local run of one process
    here = run_batch(loaded, local, tea.parent / "local", BatchOptions(jobs=1, avatar_required=True))
    assert here.written == 40
    assert {r["id"]: r["sha256"] for r in people} == {r["id"]: r["sha256"] for r in read_csv(tea.parent / "local" / "people.csv")}

    # resume: each partition reads its state part back and renders nothing
    again = run_batch(loaded, f"s3://{BUCKET}/in/people.csv", f"s3://{BUCKET}/out", options, storage_options=_options(s3))
    assert (again.written, again.unchanged, again.failed) == (0, 40, 2)


def _slow_rows(seconds: float) -> None:
    """Make each row take at least *seconds* in this worker process (0: undo), so that a
    partition is surely running when the test kills its worker."""
    import time

    from postergen.batch import partition

    original = partition.Worker.__dict__.get("_fast_one") or partition.Worker.one
    partition.Worker._fast_one = original
    if not seconds:
        partition.Worker.one = original
        return

    def one(self, *args, **kwargs):
        time.sleep(seconds)
        return original(self, *args, **kwargs)

    partition.Worker.one = one


def test_a_worker_killed_mid_run_leaves_every_row_written_once(tea, s3, cluster):
    c, client = cluster
    fs = _fs(s3)
    rows = _rows(60, "k")
    people = people_file(tea, rows)
    options = BatchOptions(scheduler=c.scheduler_address, partition_rows=4)
    gen = batch(load_campaign(tea), people, f"s3://{BUCKET}/killed", options, storage_options=_options(s3))
    seen = []
    killed = None
    client.run(_slow_rows, 0.25)
    try:
        while True:
            seen.append(next(gen))
            if len(seen) == 1 and killed is None:  # one partition done, the next ones running
                pids = client.run(os.getpid)  # {worker address: pid}
                busy = [w for w, keys in client.processing().items() if any("postergen" in str(k) for k in keys)]
                assert busy, f"no partition was running: nothing to retry ({client.processing()})"
                killed = pids[busy[0]]
                os.kill(killed, SIGKILL)
    except StopIteration as stop:
        summary = stop.value
    finally:
        client.run(_slow_rows, 0)
    assert killed is not None
    assert killed not in client.run(os.getpid).values()  # the worker really died (and was replaced)
    # A partition whose worker died after writing its state part is "unchanged" on the retry.
    assert (summary.rows, summary.written + summary.unchanged, summary.failed) == (60, 60, 0)
    assert [r.id for r in seen] == [r[0] for r in rows]
    people_rows = _s3_csv(fs, f"{BUCKET}/killed/people.csv")
    assert [r["id"] for r in people_rows] == [r[0] for r in rows]
    _check_objects(fs, f"{BUCKET}/killed", people_rows, decode_every=7)
    parts = [k for k in fs.find(f"{BUCKET}/killed/.postergen/parts") if k.endswith(".jsonl")]
    assert len(parts) == 15
    state = [json.loads(line)["r"]["id"] for k in sorted(parts) for line in fs.cat_file(k).splitlines()]
    assert state == [r[0] for r in rows]


def test_local_processes_write_to_s3_and_resume_from_state_parts(tea, s3):
    fs = _fs(s3)
    rows = _rows(12, "p")
    people = people_file(tea, rows)
    loaded = load_campaign(tea)
    out = f"s3://{BUCKET}/local"
    first = run_batch(loaded, people, out, BatchOptions(jobs=2, partition_rows=4), storage_options=_options(s3))
    assert first.written == 12
    before = {k: fs.info(k)["ETag"] for k in fs.find(f"{BUCKET}/local/posters")}
    rows[5] = ("p005", "改了名字", rows[5][2])
    people_file(tea, rows)
    second = run_batch(loaded, people, out, BatchOptions(jobs=1, partition_rows=4), storage_options=_options(s3))
    assert (second.written, second.unchanged) == (1, 11)
    fs = _fs(s3)  # a fresh listing
    after = {k: fs.info(k)["ETag"] for k in fs.find(f"{BUCKET}/local/posters")}
    changed = [k for k in after if after[k] != before[k]]
    assert len(changed) == 1 and "p005" in changed[0]
    people_rows = _s3_csv(fs, f"{BUCKET}/local/people.csv")
    assert [r["status"] for r in people_rows].count("written") == 1
    _check_objects(fs, f"{BUCKET}/local", people_rows, decode_every=5)


def _endpoint_on_worker(endpoint: str | None) -> None:
    """Set a worker's S3 endpoint as if it had been started with it (and drop what it cached)."""
    import s3fs

    from postergen.batch.partition import forget_workers

    if endpoint:
        os.environ["AWS_ENDPOINT_URL"] = endpoint
    else:
        os.environ.pop("AWS_ENDPOINT_URL", None)
    forget_workers()
    s3fs.S3FileSystem.clear_instance_cache()


def test_cli_takes_the_scheduler_from_the_environment(tea, s3, cluster, monkeypatch):
    from typer.testing import CliRunner

    from postergen.cli import app

    c, client = cluster
    people = people_file(tea, _rows(5, "c"))
    args = ["batch", str(tea), "--people", str(people), "-o", f"s3://{BUCKET}/cli", "--json"]
    monkeypatch.setenv("POSTERGEN_SCHEDULER", c.scheduler_address)
    # How a user points s3fs at an S3-compatible store: the environment of the client and of every worker.
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3)
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2  # the workers do not know the endpoint yet: a clear error, not a traceback
    assert "cannot read s3://posters/cli/.postergen/parts/000/000000.jsonl" in res.output
    assert "where the workers run" in res.output
    client.run(_endpoint_on_worker, s3)
    try:
        res = CliRunner().invoke(app, args)
    finally:
        client.run(_endpoint_on_worker, None)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["written"] == 5 and data["out"] == f"s3://{BUCKET}/cli"
    assert len(_fs(s3).find(f"{BUCKET}/cli/posters")) == 5


def test_people_as_a_folder_of_csv_jsonl_and_parquet_parts(tea, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tea / "people"
    folder.mkdir()
    for src in (TEA / "avatars").glob("*.jpg"):
        (folder / "avatars").mkdir(exist_ok=True)
        (folder / "avatars" / src.name).write_bytes(src.read_bytes())
    (folder / "a.csv").write_text("id,nickname,avatar\nu1,小鹿,avatars/a00.jpg\nu2,阿杰,\n", encoding="utf-8")
    (folder / "b.jsonl").write_text('{"id": "u3", "nickname": "Lily🌸"}\n{"id": "u1", "nickname": "again"}\n', encoding="utf-8")
    pq.write_table(pa.table({"id": ["u4", "u5"], "nickname": ["王小明", None], "avatar": ["avatars/a01.jpg", ""],
                             "vip": [3, None]}), folder / "c.parquet")
    (folder / "notes.txt").write_text("not people")
    out = tmp_path / "parts"
    summary = run_batch(load_campaign(tea), folder, out, BatchOptions(jobs=1, parquet=True))
    assert (summary.rows, summary.written, summary.failed) == (6, 5, 1)
    people = read_csv(out / "people.csv")
    assert [(r["id"], Path(r["file"]).name) for r in people] == [
        ("u1", "a.csv"), ("u2", "a.csv"), ("u3", "b.jsonl"), ("u1", "b.jsonl"), ("u4", "c.parquet"), ("u5", "c.parquet")]
    failed = read_csv(out / "failed.csv")
    assert failed[0]["row"] == "2" and Path(failed[0]["file"]).name == "b.jsonl"
    assert "duplicate id 'u1'" in failed[0]["reason"] and "a.csv" in failed[0]["reason"]
    table = pq.read_table(out / "people.parquet").to_pylist()
    assert [(r["id"], r["row"], r["status"]) for r in table] == [(r["id"], int(r["row"]), r["status"]) for r in people]
    for r in people:
        if r["status"] == "written":
            assert decode(Image.open(out / r["paths"])) == [r["url"]]
    # a glob picks the same parts
    again = run_batch(load_campaign(tea), str(folder / "*.*"), out, BatchOptions(jobs=1))
    assert (again.rows, again.unchanged, again.failed) == (6, 5, 1)


def test_parquet_people_file_and_its_problems(tea, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from postergen.batch.people import PeopleFileError, open_people

    path = tea / "people.parquet"
    pq.write_table(pa.table({"id": [10001, 10002], "nickname": ["小鹿", "  "], "score": [1.5, 2.0]}), path)
    with open_people(path) as reader:
        rows = list(reader)
    assert [(p.row, p.id, p.nickname, p.fields["score"]) for p in rows] == [(2, "10001", "小鹿", "1.5"), (3, "10002", "", "2")]
    nested = tea / "nested.parquet"
    pq.write_table(pa.table({"id": ["u1"], "tags": [["a", "b"]]}), nested)
    with pytest.raises(PeopleFileError) as err:
        open_people(nested)
    assert "'tags'" in str(err.value) and "flatten" in str(err.value)
    fake = tea / "fake.parquet"
    fake.write_text("id,nickname\nu1,x\n")
    with pytest.raises(PeopleFileError, match="not a Parquet file"):
        open_people(fake)


def test_commands_that_write_a_folder_refuse_urls(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from postergen.cli import app
    from postergen.handoff import export
    from postergen.pipeline import build
    from postergen.preview import preview
    from postergen.store import StoreError

    for k, v in SECRET.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)
    loaded = load_campaign(small_campaign(tmp_path))
    for call, name in ((build, "build"), (export, "export"), (preview, "preview")):
        with pytest.raises(StoreError) as err:
            call(loaded, "s3://bucket/campaign")
        assert f"{name} writes to a local folder, and 's3://bucket/campaign' is a URL" in str(err.value)
        with pytest.raises(StoreError):
            call(loaded, Path("gs://bucket/campaign"))  # a URL that went through pathlib
    res = CliRunner().invoke(app, ["build", str(tmp_path / "tea"), "-o", "s3://bucket/campaign"])
    assert res.exit_code == 2 and "is a URL" in res.output
    assert not (tmp_path / "s3:").exists() and not (tmp_path / "gs:").exists()


def test_bad_destinations_and_sources_fail_clearly(tea, s3, tmp_path):
    from postergen.batch.people import PeopleFileError
    from postergen.store import StoreError

    people = people_file(tea, _rows(2))
    loaded = load_campaign(tea)
    with pytest.raises(StoreError, match="cannot write to s3://no-such-bucket/x"):
        run_batch(loaded, people, "s3://no-such-bucket/x", BatchOptions(jobs=1), storage_options=_options(s3))
    with pytest.raises(StoreError, match="not a storage protocol"):
        run_batch(loaded, people, "nosuchstore://b/x", BatchOptions(jobs=1))
    import importlib.util

    if importlib.util.find_spec("gcsfs") is None:
        with pytest.raises(StoreError, match="gs:// needs a package that is not installed .*; pip install gcsfs"):
            run_batch(loaded, people, "gs://bucket/x", BatchOptions(jobs=1))
    with pytest.raises(PeopleFileError) as err:
        run_batch(loaded, f"s3://{BUCKET}/nowhere/people.csv", tmp_path / "o", BatchOptions(jobs=1),
                  storage_options=_options(s3))
    assert f"s3://{BUCKET}/nowhere/people.csv" in str(err.value) and "not found" in str(err.value)
    assert not (tmp_path / "o").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PeopleFileError, match="no people files here"):
        run_batch(loaded, empty, tmp_path / "o", BatchOptions(jobs=1))
