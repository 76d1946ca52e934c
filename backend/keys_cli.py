"""``citygrid keys``: Open311 channel keys, thin wiring over
:mod:`backend.services.channel_keys` (imports of the backend are lazy)."""

from __future__ import annotations

from typing import Annotated

import typer

from backend.admin_cli import _by, _now, _when, run_admin
from backend.cli_common import ByOpt, DatabaseOpt

keys_app = typer.Typer(
    help="Open311 channel keys (api_key): add, list, revoke (secrets are shown once).",
    no_args_is_help=True,
)


@keys_app.command("add")
def keys_add(
    channel: Annotated[str, typer.Option(help="hotline, wechat, app or handheld")],
    jurisdiction: Annotated[str, typer.Option(help="Region code the channel reports into.")],
    rate: Annotated[int, typer.Option(help="Requests a minute before 429.")] = 120,
    label: Annotated[str, typer.Option(help="A name for the key, e.g. the system.")] = "",
    by: ByOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Issue a key for a channel in a jurisdiction; prints it once."""
    from backend.services.channel_keys import add_key

    now = _now()
    issued = run_admin(
        database,
        lambda s: add_key(
            s, channel, jurisdiction, now=now, by=_by(by), rate_per_minute=rate, label=label
        ),
    )
    typer.echo(
        f"key {issued.id}: {issued.channel.value} in {issued.jurisdiction_code}, "
        f"{issued.rate_per_minute}/min (reports by {issued.username})",
        err=True,
    )
    typer.echo(issued.key)


@keys_app.command("list")
def keys_list(database: DatabaseOpt = None) -> None:
    """Every channel key, with its state (secrets are never shown again)."""
    from backend.services.channel_keys import list_keys

    now = _now()
    for k in run_admin(database, lambda s: list_keys(s, now=now)):
        typer.echo(
            f"{k.id:5} {k.channel:9} {k.jurisdiction_code:15} {k.rate_per_minute:6}/min "
            f"{k.state.value:8} {_when(k.created_at)} {k.label}"
        )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument()], by: ByOpt = None, database: DatabaseOpt = None
) -> None:
    """Refuse a key from now on (every worker within a second)."""
    from backend.services.channel_keys import revoke_key

    now = _now()
    info = run_admin(database, lambda s: revoke_key(s, key_id, now=now, by=_by(by)))
    typer.echo(f"key {key_id} revoked" if info else f"key {key_id} was already revoked")
