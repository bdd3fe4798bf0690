"""The ``registry`` command: serve, manage accounts, migrate and seed the database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask

from registry import create_app

# Each command imports what it needs when it runs (not at the top): `registry --help` and the
# commands that do not touch the database stay quick, and nothing opens a database at import.


def _app() -> Flask:
    return create_app()


def prepare_database(app: Flask) -> dict[str, object]:
    """Migrate an empty or older database to the newest schema and load the seeds."""
    from registry.db import get_engine, writing
    from registry.migrate import current_revision, head_revision, upgrade
    from registry.seeding import load_seeds

    engine = get_engine(app)
    before = current_revision(engine)
    if before != head_revision():
        upgrade(engine, audit_key=app.config["AUDIT_KEY"])
    with app.app_context(), writing():
        from registry.db import get_session

        counts = load_seeds(get_session())
    return {"migrated_from": before, "seeded": counts}


@click.group()
def main() -> None:
    """Registry of pilot free-trade zones' data-export negative lists (CAC Order No. 16, Art. 6)."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=None, type=click.IntRange(1, 64), help="Default: one per core.")
def serve(host: str, port: int, workers: int | None) -> None:
    """Serve the pages and the API with gunicorn (migrating and seeding the database first)."""
    from registry.serving import FILE_UMASK, gunicorn_settings, patch_for_gevent

    patch_for_gevent()  # before the app, SQLAlchemy and psycopg are imported (registry.serving says why)
    os.umask(FILE_UMASK)  # the database, its WAL, the rate-limit file and uploads: owner only
    from gunicorn.app.base import BaseApplication

    from registry.db import get_engine

    _count_metrics_across_workers()
    app = _app()
    outcome = prepare_database(app)
    get_engine(app).dispose()  # the workers open their own connections after the fork
    click.echo(f"database ready ({outcome['seeded']}); serving on http://{host}:{port}", err=True)

    class Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in gunicorn_settings(host, port, workers).items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return create_app()

    Server().run()


def _count_metrics_across_workers() -> None:
    """Give the workers a shared, emptied folder for their metrics (registry.metrics).

    Set before anything imports prometheus_client, which chooses per-process or shared counters
    when its metrics are created. An operator's own PROMETHEUS_MULTIPROC_DIR is left as it is.
    """
    import shutil

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = Path(os.environ.get("REGISTRY_INSTANCE_PATH") or Path.cwd() / "instance") / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["zone_admin", "provincial_approver", "national_filer", "admin"]),
)
@click.option("--zone", help="For zone_admin: the zone code, e.g. CN-TJ-FTZ.")
@click.option("--province", help="For provincial_approver: the province code, e.g. CN-TJ.")
@click.option("--authority", type=click.Choice(["CAC", "NDA"]), help="For national_filer.")
@click.option("--password", help="Also allow signing in to the pages with this password.", default=None)
def users_add(
    name: str,
    role: str,
    zone: str | None,
    province: str | None,
    authority: str | None,
    password: str | None,
) -> None:
    """Create an account; its API token is printed as the last line (shown once, stored hashed)."""
    from registry.accounts.services import create_account
    from registry.db import get_session, writing
    from registry.errors import DomainError

    app = _app()
    prepare_database(app)
    with app.app_context(), writing():
        session = get_session()
        password_hash = None
        if password:
            from registry.accounts.passwords import hash_password

            password_hash = hash_password(password)
        try:
            account, token = create_account(
                session,
                name,
                role,
                zone=zone,
                province=province,
                authority=authority,
                password_hash=password_hash,
            )
            session.commit()
        except DomainError as error:
            detail = error.detail
            if error.errors:
                detail += " " + "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.errors.items())
            raise click.ClickException(detail) from error
        scope = account.zone_code or account.province or account.authority or "everything"
        click.echo(f"created {account.role} {account.name!r} for {scope}; API token (shown once):")
        click.echo(token)


def _change_account(name: str, change) -> object:
    """Run ``change(session, account)`` on the account called ``name`` and commit; a clean error if none."""
    from registry.accounts.services import account_named
    from registry.db import get_session, writing
    from registry.errors import DomainError

    app = _app()
    prepare_database(app)
    with app.app_context(), writing():
        session = get_session()
        try:
            outcome = change(session, account_named(session, name))
            session.commit()
        except DomainError as error:
            problems = "; ".join(" ".join(map(str, v)) for v in (error.errors or {}).values())
            raise click.ClickException(problems or error.detail) from error
    return outcome


@users.command("deactivate")
@click.argument("name")
def users_deactivate(name: str) -> None:
    """Deactivate an account: its API tokens and signed-in sessions stop working at once."""
    from registry.accounts.services import deactivate_account

    _change_account(name, deactivate_account)
    click.echo(f"deactivated {name!r}; its tokens and sessions no longer work")


@users.command("revoke")
@click.argument("name")
def users_revoke(name: str) -> None:
    """Revoke every API token of an account (it can still sign in to the pages)."""
    from registry.accounts.services import revoke_tokens

    revoked = _change_account(name, revoke_tokens)
    click.echo(f"revoked {revoked} token(s) of {name!r}")


@users.command("list")
def users_list() -> None:
    """List the accounts: name, role, scope, active, two-factor sign-in, working API tokens."""
    from registry.accounts.services import list_accounts
    from registry.db import get_session

    app = _app()
    prepare_database(app)
    with app.app_context():
        for summary in list_accounts(get_session()):
            account = summary.account
            scope = account.zone_code or account.province or account.authority or "everything"
            click.echo(
                f"{account.name}\t{account.role}\t{scope}\t{'active' if account.active else 'deactivated'}\t"
                f"2fa {'on' if account.totp_enabled_at else 'off'}\t{summary.live_tokens} token(s)"
            )


@users.command("reset-2fa")
@click.argument("name")
def users_reset_2fa(name: str) -> None:
    """Turn an account's two-factor sign-in off (a lost phone); it enrols again if 2FA is required."""
    from registry.accounts import totp

    _change_account(name, totp.disable)
    click.echo(f"two-factor sign-in of {name!r} is off; it can enrol again from its account page or at sign-in")


@users.command("token")
@click.argument("name")
def users_token(name: str) -> None:
    """Replace an account's API tokens with a new one, printed as the last line (shown once)."""
    from registry.accounts.services import rotate_token

    token = _change_account(name, rotate_token)
    click.echo(f"the earlier tokens of {name!r} are revoked; new API token (shown once):")
    click.echo(token)


@users.command("password")
@click.argument("name")
def users_password(name: str) -> None:
    """Set an account's sign-in password, read from a prompt (or the first line of standard input).

    Never from the command line, where other users and the shell's history would see it. Open
    sessions of the account end.
    """
    from registry.accounts.services import set_password

    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    _change_account(name, lambda session, account: set_password(session, account, password))
    click.echo(f"password of {name!r} set; its open sessions have ended")


@main.command("check")
@click.argument("inventory_file", metavar="INVENTORY", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--zone", required=True, help="Zone code, e.g. CN-TJ-FTZ.")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date of the transfer (default: today).")
@click.option("--in-zone/--not-in-zone", default=True, show_default=True, help="Is the processor in the zone?")
@click.option("--ciio/--not-ciio", default=False, show_default=True, help="Is the processor a CIIO?")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write results (.csv or .xlsx).")
def check_inventory(inventory_file: Path, zone: str, on, in_zone: bool, ciio: bool, output: Path | None) -> None:
    """Check every dataset of a data inventory (CSV or XLSX) against the zone's list and the law."""
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from registry.checks import inventory
    from registry.checks.engine import ORDER_IN_FORCE_FROM
    from registry.checks.services import run_batch
    from registry.db import get_session
    from registry.errors import NotFound

    console = Console(stderr=True)
    if on is not None and on.date() < ORDER_IN_FORCE_FROM:
        raise click.BadParameter("Order No. 16 applies from 2024-03-22 (Art. 14)", param_hint="--on")
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("the output is a .csv or .xlsx file", param_hint="--output")
    try:
        header, rows = inventory.read_inventory(inventory_file)
    except inventory.InventoryError as error:
        raise click.ClickException(f"{inventory_file}: {error}") from error
    app = _app()
    prepare_database(app)
    results = []
    with app.app_context(), Progress(console=console, transient=True) as progress:
        task = progress.add_task("Checking datasets", total=len(rows))
        processor = {"in_zone": in_zone, "ciio": ciio}
        session = get_session()
        try:
            for start in range(0, len(rows), 200):
                chunk = rows[start : start + 200]
                results += run_batch(
                    session, zone, on.date() if on else None, processor,
                    [inventory.row_to_dataset(row) for row in chunk], app.config["SECRET_KEY"],
                )  # fmt: skip
                progress.advance(task, len(chunk))
        except NotFound as error:
            raise click.ClickException(error.detail) from error
    for row, result in zip(rows, results, strict=True):
        if result["outcome"] == "invalid":
            console.print(f"[red]line {row.line}[/red]: {inventory.error_text(result['errors'])}")
    summary = Table(title=f"{len(rows)} datasets checked against {zone}")
    summary.add_column("outcome")
    summary.add_column("datasets", justify="right")
    counts: dict[str, int] = {}
    for result in results:
        counts[result["outcome"]] = counts.get(result["outcome"], 0) + 1
    for outcome, count in sorted(counts.items(), key=lambda pair: -pair[1]):
        summary.add_row(outcome, str(count))
    console.print(summary)
    if output is not None:
        inventory.write_inventory(output, header, rows, results)
        console.print(f"results written to {output}")


@main.group("lists")
def lists_group() -> None:
    """Import and export list versions as spreadsheets."""


def _operator():
    import getpass

    from registry.audit.services import Actor

    return Actor(name=f"cli:{getpass.getuser()}", role="operator")


@lists_group.command("import")
@click.argument("zone")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", help="Version label (default: the file's own).")
def lists_import(zone: str, file: Path, version: str | None) -> None:
    """Create a draft of ZONE's list from an XLSX or CSV FILE; every problem is named by row."""
    from registry.db import get_session, writing
    from registry.errors import DomainError
    from registry.lists.services import import_draft

    app = _app()
    prepare_database(app)
    with app.app_context(), writing():
        try:
            draft = import_draft(get_session(), None, zone, file.read_bytes(), file.name, version=version,
                                 actor=_operator())  # fmt: skip
        except DomainError as error:
            for messages in (error.errors or {}).values():
                for message in messages if isinstance(messages, list) else [messages]:
                    click.echo(f"{file}: {message}", err=True)
            raise click.ClickException(error.detail) from error
        click.echo(f"created draft {draft.zone_code} {draft.version} with {len(draft.items)} items")


@lists_group.command("export")
@click.argument("zone")
@click.argument("version")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def lists_export(zone: str, version: str, file: Path) -> None:
    """Write VERSION of ZONE's list to FILE (.xlsx or .csv), in the layout zones publish."""
    from registry.accounts.models import Account
    from registry.db import get_session
    from registry.errors import DomainError
    from registry.lists.services import export_version

    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise click.BadParameter("the file is a .xlsx or .csv", param_hint="FILE")
    app = _app()
    prepare_database(app)
    with app.app_context():
        # The operator reads every version, drafts included, as an administrator would.
        operator = Account(name="cli", role="admin", created_at=None)
        try:
            file.write_bytes(export_version(get_session(), operator, zone, version, fmt))
        except DomainError as error:
            raise click.ClickException(error.detail) from error
    click.echo(f"wrote {zone} {version} to {file}")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema and load the seeds."""
    outcome = prepare_database(_app())
    click.echo(f"migrated from {outcome['migrated_from'] or 'empty'}; seeds: {outcome['seeded']}")


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export_command(file: Path) -> None:
    """Write the whole registry (zones, versions, history, audit trail, accounts without secrets) to FILE."""
    from registry.archive import export_registry
    from registry.db import get_engine

    counts = export_registry(get_engine(_app()), file)
    click.echo(f"exported to {file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Load an archive made by `registry export` into an empty database (migrated first, seeds not loaded).

    The audit chain verifies with the audit key it was written with: set REGISTRY_AUDIT_KEY to it.
    Accounts come without tokens or passwords: give them new ones with `registry users token|password`.
    """
    from registry.archive import ArchiveError, import_registry
    from registry.db import get_engine
    from registry.migrate import upgrade

    app = _app()
    engine = get_engine(app)
    upgrade(engine, audit_key=app.config["AUDIT_KEY"])
    try:
        counts = import_registry(engine, file)
    except ArchiveError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"imported from {file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option(
    "--anchor",
    "anchor_text",
    help="A checkpoint printed earlier by `registry audit anchor` (its JSON, or @FILE): the chain must still hold it.",
)
def audit_verify(anchor_text: str | None) -> None:
    """Recompute the keyed audit chain and every frozen version's digest; exit 1 on any alteration.

    With ``--anchor``, also check that nothing was cut from the chain since the checkpoint.
    """
    from registry.audit.services import anchor_problem, chain_anchor, verify_chain
    from registry.db import get_session
    from registry.lists.integrity import altered_versions

    anchor = _read_anchor(anchor_text) if anchor_text else None
    app = _app()
    problems = []
    with app.app_context():
        session = get_session()
        intact, broken_at = verify_chain(session)
        if not intact:
            problems.append(f"audit trail broken at event {broken_at}")
        problems += [f"version {name} no longer matches its digest" for name in altered_versions(session)]
        if anchor is not None and (problem := anchor_problem(session, anchor)):
            problems.append(problem)
        current = chain_anchor(session)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"audit trail intact: {current.events} events, head {current.head_hash}")


@audit.command("anchor")
def audit_anchor() -> None:
    """Print a checkpoint of the audit chain (count and head) to keep outside the database."""
    import json

    from registry.audit.services import chain_anchor
    from registry.db import get_session

    app = _app()
    with app.app_context():
        click.echo(json.dumps(chain_anchor(get_session()).as_dict()))


def _read_anchor(text: str):
    """Parse ``--anchor`` (JSON, or @FILE holding it) into an Anchor; a usage error if malformed."""
    import json

    from registry.audit.services import Anchor

    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as error:
            raise click.BadParameter(str(error), param_hint="--anchor") from error
    try:
        fields = json.loads(text)
        return Anchor(events=int(fields["events"]), head_id=fields["head_id"], head_hash=str(fields["head_hash"]))
    except (ValueError, KeyError, TypeError) as error:
        message = "not a checkpoint printed by `registry audit anchor`"
        raise click.BadParameter(message, param_hint="--anchor") from error


if __name__ == "__main__":
    main()
