"""The ``postergen`` command: a thin shell over the library.

Each command is a few lines over one library call; library errors become messages and
exit codes in :func:`_fail` only.  Exit codes: 0 success, 1 some output failed,
2 invalid input (spec, template, asset).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="postergen",
    help="Referral campaign posters, print PDFs and landing pages from one spec.\n\nExample: postergen build examples/tea-invite -o out",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

SpecArg = Annotated[
    Path, typer.Argument(help="Campaign spec: a campaign.yaml file or the folder holding it.", show_default=False)
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
JobsOpt = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes that render posters (default: every core; 1: this process). The files are the same for any number.")]


def _err(text: str) -> None:
    from .errors import printable

    typer.echo(printable(text), err=True)


def _warn(problems, quiet: bool = False) -> None:
    """Print *problems* (repeated warnings grouped with a count); only errors when *quiet*."""
    from .errors import group_warnings

    for p in group_warnings(list(problems)):
        if not (quiet and p.severity == "warning"):
            _err(str(p))


def _fail(exc: Exception, as_json: bool = False, quiet: bool = False) -> None:
    from .errors import SpecError

    if isinstance(exc, SpecError) or hasattr(exc, "problems"):  # also a people file's problems
        if as_json:
            typer.echo(json.dumps({"ok": False, "problems": [p.to_dict() for p in exc.problems + list(getattr(exc, "warnings", []))]}, ensure_ascii=False, indent=2))
        else:
            _warn(exc.problems + list(getattr(exc, "warnings", [])), quiet)
            n = len(exc.problems)
            _err(f"{n} problem{'s' if n != 1 else ''} found; nothing was rendered.")
        raise typer.Exit(2)
    _err(f"error: {exc}")
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"postergen {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
) -> None:
    """Referral campaign posters, print PDFs and landing pages from one spec.

    Example: postergen build examples/tea-invite -o out
    """


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Folder to create the campaign in (must be empty or new).")],
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
) -> None:
    """Create a working campaign (spec and assets) to start from.

    Example: postergen init my-campaign && postergen build my-campaign -o out
    """
    from .errors import PostergenError
    from .scaffold import scaffold

    try:
        written = scaffold(folder, force=force)
    except PostergenError as exc:
        _fail(exc)
    typer.echo(f"created {len(written)} files in {folder}; next: postergen build {folder} -o out")


@app.command()
def validate(
    spec: SpecArg,
    strict: Annotated[bool, typer.Option("--strict", help="Treat warnings as errors.")] = False,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Check a spec, its assets, fonts, templates, codes and QR codes; report every problem.

    Every QR code a build would draw is rendered and decoded, also at half size.

    Example: postergen validate examples/tea-invite/campaign.yaml
    """
    from .validate import validate_campaign
    from .errors import PostergenError

    try:
        loaded, warnings = validate_campaign(spec, strict=strict)
    except PostergenError as exc:
        _fail(exc, as_json, quiet)
    if as_json:
        typer.echo(json.dumps({"ok": True, "problems": [p.to_dict() for p in warnings]}, ensure_ascii=False, indent=2))
        return
    if quiet:
        return
    _warn(warnings)
    typer.echo(f"{loaded.path}: ok ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})")


@app.command()
def build(
    spec: SpecArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render every poster the spec asks for, and write manifest.json/.csv.

    Posters and landing pages whose inputs (spec, template, fonts, images, code,
    postergen) are unchanged since the last build into the same folder are not rendered
    again.

    Example: postergen build examples/tea-invite -o out
    """
    from .pipeline import build as run_build
    from .errors import PostergenError
    from .loader import load_campaign

    try:
        loaded = load_campaign(spec)
        result = _with_progress(loaded, quiet or as_json, lambda progress: run_build(loaded, out, progress=progress, jobs=jobs))
    except PostergenError as exc:
        _fail(exc, as_json, quiet)
    if as_json:
        report = {
            "ok": result.ok,
            "summary": result.summary(),
            "written": result.written,
            "unchanged": result.unchanged,
            "skipped": result.skipped,
            "failures": [{"path": f.path, "message": f.message} for f in result.failures],
            "warnings": [p.to_dict() for p in result.warnings],
        }
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _warn(result.warnings, quiet)
        for failure in result.failures:
            _err(f"{failure.path}: {failure.message}")
        if not quiet:
            typer.echo(f"{result.summary()} → {out}")
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def batch(
    spec: SpecArg,
    people: Annotated[str, typer.Option("--people", help="People file: CSV (UTF-8 or GB18030), XLSX, JSON Lines or Parquet, one row per participant with an 'id' column; or a folder or glob of such parts; a path or a URL (s3://…).", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", help="Output folder or URL such as s3://bucket/prefix (posters/, people.csv, failed.csv).")] = "out",
    channel: Annotated[Optional[str], typer.Option("--channel", help="Channel whose code the personal codes extend (default: the first).")] = None,
    variant: Annotated[Optional[str], typer.Option("--variant", help="Variant to render (default: the first).")] = None,
    template: Annotated[Optional[list[str]], typer.Option("--template", help="Template (repeatable; default: the spec's).")] = None,
    size: Annotated[Optional[list[str]], typer.Option("--size", help="Size such as 1080x1920 (repeatable; default: the spec's).")] = None,
    fmt: Annotated[Optional[list[str]], typer.Option("--format", help="png, jpeg or webp (repeatable; default: the spec's).")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", help="Read a column under another header: --map nickname=微信昵称 (repeatable).")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of a CSV file (default: detected; utf-8 or gb18030).")] = None,
    sheet: Annotated[Optional[str], typer.Option("--sheet", help="Sheet of an XLSX file (default: the first).")] = None,
    avatar: Annotated[str, typer.Option("--avatar", help="'optional': a missing or broken avatar gets a placeholder and a warning; 'required': the row fails.")] = "optional",
    unknown_glyphs: Annotated[str, typer.Option("--unknown-glyphs", help="A nickname character no font has: strip (with a warning), replace, or fail the row.")] = "strip",
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: every core).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", envvar="POSTERGEN_SCHEDULER", help="Run on this Dask distributed cluster (tcp://HOST:8786) instead of local processes.")] = None,
    partition_rows: Annotated[Optional[int], typer.Option("--partition-rows", min=1, help="Rows per unit of work (and per resume-state part); default: about 48 posters, at most 32 rows.")] = None,
    parquet: Annotated[bool, typer.Option("--parquet", help="Also write people.parquet (for very large batches).")] = False,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Render a personal poster for every participant in a people file.

    Each row's avatar and nickname go into the trust header and its personal referral
    code into the QR URL (as ref). Re-running renders only rows that changed. Exit code
    0: every row written; 1: some rows failed (see OUT/failed.csv); 2: nothing could run.

    Example: postergen batch examples/tea-invite --people examples/tea-invite/people.csv -o out
    Example: postergen batch campaign --people s3://bucket/people/ -o s3://bucket/posters --scheduler tcp://10.0.0.5:8786
    """
    from .batch.run import BatchOptions, batch as run_batch
    from .errors import PostergenError
    from .loader import load_campaign

    if avatar not in ("optional", "required"):
        _fail(PostergenError(f"--avatar {avatar}: use 'optional' or 'required'"), as_json)
    if unknown_glyphs not in ("strip", "replace", "fail"):
        _fail(PostergenError(f"--unknown-glyphs {unknown_glyphs}: use strip, replace or fail"), as_json)
    try:
        from .batch.people import parse_mapping

        options = BatchOptions(
            channel=channel, variant=variant, templates=tuple(template) if template else None,
            sizes=tuple(size) if size else None, formats=tuple(fmt) if fmt else None, jobs=jobs,
            avatar_required=avatar == "required", unknown_glyphs=unknown_glyphs, encoding=encoding, sheet=sheet,
            mapping=tuple(parse_mapping(mapping or []).items()), scheduler=scheduler or None,
            partition_rows=partition_rows, parquet=parquet,
        )
        loaded = load_campaign(spec)
        summary = _run_batch(run_batch(loaded, people, out, options), people, quiet or as_json)
    except PostergenError as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    elif not quiet:
        for p in summary.problems:
            _err(str(p))
        typer.echo(summary.text())
    raise typer.Exit(summary.exit_code)


def _run_batch(rows, people: str, quiet: bool):
    """Drain the batch generator with a Rich bar on a terminal, a line every ~10 s otherwise."""
    import time

    from .batch.progress import estimate_rows

    def drain(step):
        while True:
            try:
                step(next(rows))
            except StopIteration as stop:
                return stop.value

    if quiet:
        return drain(lambda r: None)
    if not sys.stderr.isatty():
        state = {"n": 0, "t0": time.monotonic(), "last": time.monotonic()}

        def line(r):
            state["n"] += 1
            now = time.monotonic()
            if now - state["last"] >= 10:
                state["last"] = now
                rate = state["n"] / (now - state["t0"])
                _err(f"batch: {state['n']} rows done, {rate:.0f}/s")

        return drain(line)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("posters", total=estimate_rows(Path(people)), rate="")
        t0 = time.monotonic()

        def step(r):
            done = bar.tasks[0].completed + 1
            bar.update(task, completed=done, rate=f"{done / max(time.monotonic() - t0, 1e-6):.0f} rows/s")

        return drain(step)


@app.command()
def codes(
    spec: SpecArg,
    csv_path: Annotated[Optional[Path], typer.Option("--csv", help="Also write the table as CSV to this file.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write the table as JSON to this file.")] = None,
    lookup_code: Annotated[Optional[str], typer.Option("--lookup", help="Show which channel and variant (or, with --people, which person) a code belongs to.")] = None,
    people: Annotated[Optional[Path], typer.Option("--people", help="A people file: list (or --lookup) the personal codes that `postergen batch` gives its rows.")] = None,
    channel: Annotated[Optional[str], typer.Option("--channel", help="With --people: the channel of the personal codes (default: the first).")] = None,
    variant: Annotated[Optional[str], typer.Option("--variant", help="With --people: the variant (default: the first).")] = None,
) -> None:
    """Print the tracking codes: channel, variant, code, full URL and short URL.

    Codes are derived from the secret in the environment variable named by
    tracking.secret_env, so run this where that variable is set. With --people, the
    personal referral codes of a people file's rows instead.

    Example: postergen codes examples/tea-invite --csv codes.csv --lookup 7KQ2M9XP
    Example: postergen codes examples/tea-invite --people examples/tea-invite/people.csv --lookup ES4B9W0HBE
    """
    from .codes import lookup
    from .errors import PostergenError, SpecError
    from .loader import load_campaign
    from .jobs import codes_for

    if people is not None:
        return _personal_codes(spec, people, channel, variant, lookup_code, csv_path)
    try:
        loaded = load_campaign(spec)
        rows, problems = codes_for(loaded)
        if any(p.severity == "error" for p in problems):
            raise SpecError(problems)
    except PostergenError as exc:
        _fail(exc)
    _warn(problems)
    if not rows:
        _err(f"{loaded.path}: no channels declared; add a 'channels:' list to give each channel its own code")
        raise typer.Exit(2)
    if lookup_code is not None:
        row = lookup(rows, lookup_code)
        if row is None:
            _err(f"code {lookup_code!r} belongs to no channel × variant of this campaign (with this secret)")
            raise typer.Exit(1)
        typer.echo(f"{row.code}: channel {row.channel} ({row.channel_name}), variant {row.variant}\n{row.url}")
        return
    from .codes import write_table

    try:
        if csv_path:
            write_table(rows, csv_path, "csv")
        if json_path:
            write_table(rows, json_path, "json")
    except PostergenError as exc:
        _fail(exc)
    from rich.console import Console
    from rich.table import Table

    table = Table("channel", "variant", "code", "url", "short url", box=None, pad_edge=False)
    for r in rows:
        table.add_row(f"{r.channel} {r.channel_name}", r.variant, r.code, r.url, r.short_url or "")
    Console(width=240, soft_wrap=True).print(table)


def _personal_codes(spec, people, channel, variant, lookup_code, csv_path) -> None:
    from .batch.codes import lookup_personal, personal_codes
    from .errors import PostergenError
    from .loader import load_campaign

    try:
        loaded = load_campaign(spec)
        if lookup_code is not None:
            hit = lookup_personal(loaded, people, lookup_code, channel=channel, variant=variant)
            if hit is None:
                _err(f"code {lookup_code!r} is no personal code of a row of {people} (for this channel, variant and secret)")
                raise typer.Exit(1)
            typer.echo(f"{hit.code}: person {hit.id} (row {hit.row} of {people})\n{hit.url}")
            return
        rows = personal_codes(loaded, people, channel=channel, variant=variant)
        if csv_path:
            from .csvsafe import csv_text
            from .writer import write_atomic

            write_atomic(csv_path, csv_text(["id", "row", "code", "url"], (vars(r) for r in rows)).encode("utf-8"))
            return
        for r in rows:
            typer.echo(f"{r.id}\t{r.code}\t{r.url}")
    except PostergenError as exc:
        _fail(exc)


@app.command()
def export(
    spec: SpecArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Hand-off folder.")] = Path("handoff"),
    as_zip: Annotated[bool, typer.Option("--zip", help="Also write <campaign>-handoff.zip.")] = False,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Package the A/B hand-off: per channel its posters, variant table and a README;
    the web site in _web/ (one folder per host) for whoever deploys it.

    Example: postergen export examples/tea-invite -o handoff --zip
    """
    from .errors import PostergenError
    from .handoff import export as run_export
    from .loader import load_campaign

    try:
        loaded = load_campaign(spec)
        result = _with_progress(loaded, quiet or as_json, lambda progress: run_export(loaded, out, zip=as_zip, progress=progress, jobs=jobs))
    except PostergenError as exc:
        _fail(exc, as_json, quiet)
    for failure in result.build.failures:
        _err(f"{failure.path}: {failure.message}")
    if as_json:
        typer.echo(json.dumps({"ok": result.build.ok, "summary": result.summary(), "channels": result.channels,
                               "web": result.web, "zip": str(result.zip_path) if result.zip_path else None},
                              ensure_ascii=False, indent=2))
    elif not quiet:
        typer.echo(f"{result.summary()} → {out}")
    if not result.build.ok:
        raise typer.Exit(1)


def _with_progress(loaded, quiet: bool, run):
    """Run *run(progress)* with a Rich progress bar on a terminal, plainly otherwise."""
    from .jobs import plan

    if quiet or not sys.stderr.isatty():
        return run(None)
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("rendering", total=len(plan(loaded)))
        return run(lambda job: bar.advance(task))


@app.command()
def preview(
    spec: SpecArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Preview folder (the build goes to its build/).")] = Path("preview"),
    baseline: Annotated[Optional[Path], typer.Option("--baseline", help="A previous preview (or build) folder to compare with.")] = None,
    tolerance: Annotated[float, typer.Option("--tolerance", min=0, max=100, help="Changed area, in percent of a poster, up to which it counts as unchanged.")] = 0.0,
    jobs: JobsOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Contact sheets and a gallery of every poster; diff against a baseline.

    With --baseline, also writes diff images and summary.md (for a pull-request comment).
    Exit codes: 0 no poster changed, 1 a poster changed beyond the tolerance or was added
    or removed, 2 errors (invalid spec, a poster that failed to render, bad baseline).

    Example: postergen preview examples/tea-invite -o preview --baseline main-preview
    """
    from .errors import PostergenError
    from .loader import load_campaign
    from .preview import preview as run_preview

    try:
        loaded = load_campaign(spec)
        if quiet or as_json or not sys.stderr.isatty():
            result = run_preview(loaded, out, baseline=baseline, tolerance=tolerance, jobs=jobs)
        else:
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as bar:
                tasks: dict[str, int] = {}

                def step(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(stage, total=total)
                    bar.update(tasks[stage], completed=done)

                result = run_preview(loaded, out, baseline=baseline, tolerance=tolerance, progress=step, jobs=jobs)
    except PostergenError as exc:
        _fail(exc, as_json, quiet)
    if not as_json:
        _warn(result.build.warnings, quiet)
    for failure in result.build.failures:
        _err(f"{failure.path}: {failure.message}")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif not quiet:
        typer.echo(result.summary())
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the campaign spec (for editor completion and checks).

    Example: postergen schema > campaign.schema.json
    """
    from .spec import Campaign

    typer.echo(json.dumps(Campaign.model_json_schema(), ensure_ascii=False, indent=2))


@app.command()
def templates() -> None:
    """List the built-in poster templates and their frames.

    Example: postergen templates
    """
    from .loader import load_template
    from .template import BUILTIN_DIR, builtin_names

    for name in builtin_names():
        tpl, _ = load_template(BUILTIN_DIR / f"{name}.yaml")
        frames = ", ".join(f"{k} {v.size[0]}x{v.size[1]}" for k, v in tpl.frames.items()) if tpl else "invalid"
        typer.echo(f"{name:10} {frames}\n{'':10} {tpl.description if tpl else ''}")
    typer.echo(f"\nin {BUILTIN_DIR}: copy one into your campaign's templates/ folder to change it")


@app.command()
def report(
    spec: SpecArg,
    events: Annotated[str, typer.Option("--events", help="Events and leads: a SQLite file, a postgresql:// URL, a folder with leads.csv/events.csv, or a leads CSV.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report folder.")] = Path("report"),
    people: Annotated[Optional[Path], typer.Option("--people", help="The batch's people.csv (id, code): personal codes of the seed inviters.")] = None,
    costs: Annotated[Optional[Path], typer.Option("--costs", help="A CSV of channel, cost: cost per lead and per claim.")] = None,
    mapping: Annotated[Optional[list[str]], typer.Option("--map", help="Map a leads-CSV column to a field, e.g. --map time=提交时间 (repeatable).")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Count from this date or date-time (in the time zone).")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Count up to this date (inclusive) or date-time (exclusive).")] = None,
    tz: Annotated[Optional[str], typer.Option("--tz", help="Time zone for days and times without an offset; default: the campaign's, else Asia/Shanghai.")] = None,
    threshold: Annotated[Optional[int], typer.Option("--threshold", min=1, help="Invites needed for the reward (when the spec has no mechanics.threshold).")] = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Read events and leads back: channel funnels, A/B readout, fission depth, costs.

    Writes report.html (self-contained), report.md, report.json and CSV tables.

    Example: postergen report examples/ab-report --events examples/ab-report/events --people examples/ab-report/events/people.csv --threshold 3 -o report
    """
    from .errors import PostergenError
    from .loader import load_campaign
    from .report import ReportInputError
    from .report import report as run_report

    fields = {}
    for item in mapping or []:
        field, sep, header = item.partition("=")
        if not sep or not field.strip() or not header.strip():
            _err(f"--map {item!r}: write it as field=header, e.g. --map time=提交时间")
            raise typer.Exit(2)
        fields[field.strip()] = header.strip()
    try:
        loaded = load_campaign(spec)
        result = run_report(loaded, events, out, people=people, costs=costs, mapping=fields, since=since, until=until,
                            tz=tz, threshold=threshold)
    except ReportInputError as exc:
        for p in exc.problems:
            _err(str(p))
        raise typer.Exit(2)
    except PostergenError as exc:
        _fail(exc, as_json)
    if as_json:
        typer.echo(json.dumps({"ok": True, "out": str(out), "files": result.written, "warnings": result.warnings,
                               "totals": result.figures["totals"]}, ensure_ascii=False, indent=2))
        return
    if not quiet:
        for w in result.warnings:
            _err(f"warning: {w}")
        typer.echo(f"{result.summary()} → {out}")


# --------------------------------------------------------------------------- serve, leads


@app.command()
def serve(
    spec: SpecArg,
    site: Annotated[Path, typer.Option("--site", help="The built site folder to serve (from postergen build).", show_default=False)],
    db: Annotated[Optional[str], typer.Option("--db", help="SQLite file, or postgresql://user@host/db. Default: leads.sqlite next to the site folder.", show_default=False)] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    trusted_proxy: Annotated[Optional[list[str]], typer.Option("--trusted-proxy", metavar="<address>", help="Reverse proxy address or network whose X-Forwarded-For is believed (repeat, or comma-separate).", show_default=False)] = None,
    rate: Annotated[str, typer.Option("--rate", help="Lead submissions per client address, e.g. 20/min, 5/10s; 0 for no limit.")] = "20/min",
    cache: Annotated[Optional[Path], typer.Option("--cache", help="Personal poster cache folder. Default: poster-cache next to the site folder.", show_default=False)] = None,
) -> None:
    """Serve a built campaign site: keep its leads and events, render personal posters.

    Records short-link scans, page views and form submits; keeps each lead once per phone
    (SQLite by default, or PostgreSQL); answers a new participant with a signed URL of
    their own poster. Needs the campaign secret (tracking.secret_env). See docs/serve.md.

    Example: postergen serve examples/tea-invite --site out/site --port 8000
    """
    from .errors import PostergenError
    from .loader import load_campaign

    _need_serve_extra()
    from .serve import Settings, create_app, open_serve
    from .serve.ratelimit import Rate, parse_networks
    from .serve.server import run

    try:
        settings = Settings.for_site(site, db, cache, trusted=parse_networks(trusted_proxy), lead_rate=Rate.parse(rate))
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2)
    try:
        state = open_serve(load_campaign(spec), settings)
    except PostergenError as exc:
        _fail(exc)
    from .serve.store import describe

    _err(f"serving {site} for campaign {state.campaign.id} on http://{host}:{port}/ (leads: {describe(settings.db)})")
    run(create_app(state), host, port, header_timeout=settings.header_timeout)


def _need_serve_extra() -> None:
    import importlib.util

    missing = [m for m in ("starlette", "uvicorn") if importlib.util.find_spec(m) is None]
    if missing:
        _err(f"error: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not installed; "
             "install the server's extra: pip install 'postergen[serve]'")
        raise typer.Exit(2)


leads_app = typer.Typer(
    name="leads",
    help="Leads and events kept by postergen serve.\n\nExample: postergen leads export --db leads.sqlite -o crm",
    no_args_is_help=True,
)
app.add_typer(leads_app, name="leads")


@leads_app.command("export")
def leads_export(
    db: Annotated[str, typer.Option("--db", help="SQLite file or postgresql://… URL that serve wrote to.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for leads.csv and events.csv.")] = Path("leads-export"),
    campaign: Annotated[Optional[str], typer.Option("--campaign", help="Only this campaign id (a database may hold several).", show_default=False)] = None,
) -> None:
    """Write leads.csv and events.csv for the CRM (spreadsheet-safe, UTF-8 with BOM).

    Example: postergen leads export --db out/leads.sqlite -o crm
    """
    from .errors import PostergenError
    from .serve.export import export_leads

    try:
        result = export_leads(db, out, campaign)
    except PostergenError as exc:
        _fail(exc)
    typer.echo(f"{result.summary()} → {out}")


def main() -> None:
    """The ``postergen`` entry point: the app, with a last net under it.

    Every expected failure is a message from :func:`_fail`; anything else is a bug, and
    still ends as two lines saying so (set POSTERGEN_DEBUG=1 for the traceback).
    """
    import os

    try:
        app()
    except SystemExit as exc:  # how every command ends (typer's standalone mode)
        _leave(exc.code)
        raise
    except Exception as exc:  # noqa: BLE001 — the net; tests run the app without it
        if os.environ.get("POSTERGEN_DEBUG"):
            raise
        _err(f"error: unexpected {type(exc).__name__}: {exc}")
        _err("this is a bug in postergen: please report it with the command you ran (POSTERGEN_DEBUG=1 shows the traceback)")
        sys.exit(70)


def _leave(code) -> None:
    """End the process now, without the interpreter's teardown (freeing a build's heap
    object by object: ~0.07 s, a tenth of a small build), when nothing is left to wait
    for: output flushed, no other thread, no child process.  As mypy does."""
    import multiprocessing
    import os
    import threading

    if not isinstance(code, int | None) or threading.active_count() > 1 or multiprocessing.active_children():
        return
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is None:  # started with the stream closed (>&-): the normal exit copes
                return
            stream.flush()
    except (OSError, ValueError):  # a closed pipe: let the normal exit report it
        return
    os._exit(code or 0)


if __name__ == "__main__":
    main()
