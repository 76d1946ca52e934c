"""``citygrid users|tokens|audit``: thin wiring over :mod:`backend.services.admin`.

The service is imported inside each command, as in :mod:`backend.cli`, so
``citygrid --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from backend.cli_common import ByOpt, DatabaseOpt, database_url, fail

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")

users_app = typer.Typer(help="Users: add, list, disable, enable.", no_args_is_help=True)
tokens_app = typer.Typer(
    help="Bearer tokens: add, list, revoke, rotate (secrets are shown once).",
    no_args_is_help=True,
)
audit_app = typer.Typer(help="Who changed which user or token, and when.", no_args_is_help=True)

LabelOpt = Annotated[str, typer.Option(help="A name for the token, e.g. the desk it is for.")]
ExpiresOpt = Annotated[
    str | None,
    typer.Option(help="Expiry: a span (90d, 12h, 30m) or a date (2027-01-31); default: never."),
]


def _now() -> datetime:
    from datetime import UTC

    return datetime.now(UTC)


def _by(by: str | None) -> str:
    from backend.services.admin import default_actor

    return by or default_actor()


def _expiry(text: str | None, now: datetime) -> datetime | None:
    if text is None:
        return None
    from backend.domain.tokens import ExpiryError, parse_expiry

    try:
        return parse_expiry(text, now)
    except ExpiryError as exc:
        raise fail(str(exc)) from exc


def run_admin(database: str | None, change: Callable[[Session], T]) -> T:
    """Run ``change`` in one transaction; a refused change prints its sentence, exit 1."""
    from backend.services.admin import AdminError, in_transaction

    try:
        return in_transaction(database_url(database), change)
    except AdminError as exc:
        raise fail(str(exc)) from exc


def issuing(
    database: str | None,
    expires: str | None,
    change: Callable[[Session, datetime, datetime | None], T],
) -> T:
    """Run a change that issues a token: the time now, the expiry parsed against it."""
    now = _now()
    expires_at = _expiry(expires, now)
    return run_admin(database, lambda s: change(s, now, expires_at))


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: Annotated[
        str,
        typer.Option(help="operator, dispatcher, shift_lead, supervisor, handler, leader or admin"),
    ],
    jurisdiction: Annotated[str, typer.Option(help="Region code the user works in.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: username).")] = None,
    department: Annotated[str | None, typer.Option(help="Department code (handlers).")] = None,
    label: LabelOpt = "",
    expires: ExpiresOpt = None,
    by: ByOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Create a user and print its first bearer token (an existing user is refused)."""
    from backend.services.admin import UserSpec, add_user
    from backend_client.vocab import Role

    try:
        parsed = Role(role)
    except ValueError:
        raise fail(
            f"Unknown role {role!r}; use one of {', '.join(r.value for r in Role)}."
        ) from None
    spec = UserSpec(username, name or username, parsed, jurisdiction, department)
    issued = issuing(
        database,
        expires,
        lambda s, now, until: add_user(s, spec, now=now, by=_by(by), label=label, expires_at=until),
    )
    typer.echo(issued.token)


@users_app.command("list")
def users_list(database: DatabaseOpt = None) -> None:
    """List users with role, jurisdiction and department."""
    from backend.services.admin import list_users

    for u in run_admin(database, list_users):
        state = "" if u.active else " (disabled)"
        typer.echo(
            f"{u.username:16} {u.role:11} {u.jurisdiction_code:15} {u.department_code:6} "
            f"{u.display_name}{state}"
        )


def _set_active(username: str, active: bool, by: str | None, database: str | None) -> None:
    from backend.services.admin import set_user_active

    now = _now()
    changed = run_admin(
        database, lambda s: set_user_active(s, username, active, now=now, by=_by(by))
    )
    word = "enabled" if active else "disabled"
    typer.echo(f"{username} {word}" if changed else f"{username} was already {word}")


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument()], by: ByOpt = None, database: DatabaseOpt = None
) -> None:
    """Refuse all of a user's tokens (and close its streams) until it is enabled again."""
    _set_active(username, False, by, database)


@users_app.command("enable")
def users_enable(
    username: Annotated[str, typer.Argument()], by: ByOpt = None, database: DatabaseOpt = None
) -> None:
    """Accept a disabled user's valid tokens again."""
    _set_active(username, True, by, database)


@tokens_app.command("add")
def tokens_add(
    username: Annotated[str, typer.Argument()],
    label: LabelOpt = "",
    expires: ExpiresOpt = None,
    by: ByOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Issue another token for a user (its other tokens stay valid); prints it once."""
    from backend.services.admin import issue_token

    issued = issuing(
        database,
        expires,
        lambda s, now, until: issue_token(
            s, username, now=now, by=_by(by), label=label, expires_at=until
        ),
    )
    typer.echo(issued.token)


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's tokens.")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Tokens with their user, label, times and state (never the secret)."""
    from backend.services.admin import list_tokens

    now = _now()
    rows = run_admin(database, lambda s: list_tokens(s, now=now, username=user))
    typer.echo(
        f"{'id':>5} {'user':16} {'label':12} {'created':16} {'expires':16} {'last used':16} state"
    )
    for t in rows:
        typer.echo(
            f"{t.id:>5} {t.username:16} {t.label:12} {_when(t.created_at):16} "
            f"{_when(t.expires_at):16} {_when(t.last_used_at):16} {t.state.value}"
        )


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int | None, typer.Argument(help="The id from 'tokens list'.")] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Revoke every token of this user.")
    ] = None,
    by: ByOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Revoke a token (or all of a user's): refused within a second, streams closed."""
    from backend.services.admin import revoke_token, revoke_user_tokens

    if (token_id is None) == (user is None):
        raise fail("Name one token id, or --user NAME to revoke all of that user's tokens.")
    now = _now()
    if user is not None:
        revoked = run_admin(database, lambda s: revoke_user_tokens(s, user, now=now, by=_by(by)))
        typer.echo(f"revoked {len(revoked)} token(s) of {user}")
        return
    assert token_id is not None
    info = run_admin(database, lambda s: revoke_token(s, token_id, now=now, by=_by(by)))
    typer.echo(
        f"token {token_id} was already revoked"
        if info is None
        else f"revoked token {token_id} of {info.username}"
    )


@tokens_app.command("rotate")
def tokens_rotate(
    username: Annotated[str, typer.Argument()],
    label: LabelOpt = "",
    expires: ExpiresOpt = None,
    by: ByOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Issue a new token and revoke all older ones of the user; prints the new one once."""
    from backend.services.admin import rotate_tokens

    issued, revoked = issuing(
        database,
        expires,
        lambda s, now, until: rotate_tokens(
            s, username, now=now, by=_by(by), label=label, expires_at=until
        ),
    )
    typer.secho(f"revoked {len(revoked)} older token(s) of {username}", err=True)
    typer.echo(issued.token)


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 50,
    target: Annotated[
        str | None, typer.Option(help="Only changes to this user (or its tokens).")
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """The newest changes to users and tokens, oldest first: when, who, what, whom."""
    import json

    from backend.services.admin import audit_entries

    for row in run_admin(database, lambda s: audit_entries(s, limit=limit, target=target)):
        detail = json.dumps(row.detail, ensure_ascii=False, sort_keys=True)
        typer.echo(
            f"{row.at:%Y-%m-%d %H:%M:%S} {row.actor:12} {row.action:13} {row.target:16} {detail}"
        )
