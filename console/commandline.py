"""The ``:`` command line, CAD style: ``:d 2026-110112-000123 HW``, ``:v 123 pass``,
``:goto 110112001002003``.  Parsing is pure; running calls the screen.

A serial may be given in full or by its trailing digits when that is unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textual.suggester import Suggester

from backend_client.text import is_digits
from backend_client.vocab import Action, CallbackResult
from console.queues import QUEUES
from console.store import CaseStore

if TYPE_CHECKING:
    from console.app import CityGridApp
    from console.screens.queue import QueueScreen


class CommandError(ValueError):
    pass


VERBS: dict[str, Action] = {
    "f": Action.FILE,
    "file": Action.FILE,
    "d": Action.DISPATCH,
    "dispatch": Action.DISPATCH,
    "v": Action.VERIFY,
    "verify": Action.VERIFY,
    "x": Action.VOID,
    "void": Action.VOID,
    "a": Action.DECIDE,
    "decide": Action.DECIDE,
    "m": Action.MERGE,
    "merge": Action.MERGE,
    "s": Action.SUPERVISE,
    "supervise": Action.SUPERVISE,
    "u": Action.URGE,
    "urge": Action.URGE,
    "c": Action.COMMENT,
    "comment": Action.COMMENT,
    "o": Action.REOPEN,
    "reopen": Action.REOPEN,
    "b": Action.CALLBACK,
    "callback": Action.CALLBACK,
}
VIEW_VERBS = ("goto", "q", "queue", "sort", "theme", "lang", "help", "filter")
PASS_WORDS = {"pass", "p", "ok", "通过", "y", "yes"}
FAIL_WORDS = {"fail", "r", "back", "退回", "n", "no"}
YES_WORDS = {"yes", "y", "approve", "同意", "1"}
NO_WORDS = {"no", "n", "reject", "驳回", "0"}
RESULT_WORDS = {
    **{w: CallbackResult.SATISFIED for w in ("satisfied", "满意", "1")},
    **{w: CallbackResult.BASIC for w in ("basic", "基本满意", "2")},
    **{w: CallbackResult.DISSATISFIED for w in ("dissatisfied", "不满意", "3")},
    **{w: CallbackResult.UNREACHABLE for w in ("unreachable", "未接通", "4")},
}


@dataclass
class Command:
    verb: str
    action: Action | None = None
    serial: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    arg: str = ""

    async def run(self, screen: QueueScreen) -> None:
        from backend_client.wire import ActionRequest

        app = screen.cg
        if self.action is not None and self.serial is not None:
            if self.action is Action.DISPATCH and "department_code" not in self.fields:
                await app.actions_.open_dispatch(self.serial)
                return
            if self.action is Action.VERIFY and "passed" not in self.fields:
                await app.actions_.start(Action.VERIFY, [self.serial])
                return
            if self.action is Action.CALLBACK and "result" not in self.fields:
                await app.actions_.start(Action.CALLBACK, [self.serial])
                return
            request = ActionRequest.model_validate({"action": self.action, **self.fields})
            problem = await app.actions_.send(self.serial, request)
            app.actions_.report(self.action, self.serial, problem)
        elif self.verb == "goto":
            screen.goto_grid(self.arg)
        elif self.verb in ("q", "queue"):
            screen.action_queue(self.arg)
        elif self.verb == "sort":
            screen.sort_by(self.arg.lstrip("-"), self.arg.startswith("-"))
        elif self.verb == "theme":
            app.theme = self.arg
        elif self.verb == "lang":
            app.set_language(self.arg)
        elif self.verb == "help":
            screen.action_help()
        elif self.verb == "filter":
            screen.apply_filter(self.arg)


def _serial(store: CaseStore, text: str) -> str:
    case = store.find(text)
    if case is not None:
        return case.serial
    if len(text.split("-")) == 3:
        return text  # a full serial the console does not hold (closed, other queue)
    raise CommandError(f"no open case matches {text!r} (give the full serial)")


def parse_command(text: str, store: CaseStore) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command; try :help")
    verb, rest = words[0].lower(), words[1:]
    if verb in VERBS:
        action = VERBS[verb]
        if not rest:
            raise CommandError(f":{verb} needs a case serial")
        serial = _serial(store, rest[0])
        args = rest[1:]
        return Command(verb, action, serial, _fields(action, args))
    if verb in VIEW_VERBS:
        arg = " ".join(rest)
        if verb in ("goto",) and not (is_digits(arg) and 6 <= len(arg) <= 15):
            raise CommandError(":goto needs a grid, community or street code (6–15 digits)")
        if verb in ("q", "queue"):
            arg = _queue_hotkey(arg)
        if verb == "lang" and arg not in ("zh", "en"):
            raise CommandError(":lang zh or :lang en")
        if verb in ("sort", "theme") and not arg:
            raise CommandError(f":{verb} needs a name")
        return Command(verb, arg=arg)
    raise CommandError(f"unknown command {verb!r}; try :help")


def _queue_hotkey(arg: str) -> str:
    for queue in QUEUES:
        if arg in (queue.hotkey, queue.key):
            return queue.hotkey
    raise CommandError(f"unknown queue {arg!r} (0–9, C or a queue name)")


def _fields(action: Action, args: list[str]) -> dict[str, Any]:
    text = " ".join(args)
    if action is Action.DISPATCH:
        return {"department_code": args[0]} if args else {}
    if action is Action.VERIFY:
        if not args:
            return {}
        word = args[0].lower()
        if word in PASS_WORDS:
            return {"passed": True}
        if word in FAIL_WORDS:
            reason = " ".join(args[1:])
            if not reason:
                raise CommandError("sending back needs a reason: :v <serial> fail <reason>")
            return {"passed": False, "reason": reason}
        raise CommandError("verify takes pass or fail")
    if action is Action.DECIDE:
        if not args or args[0].lower() not in YES_WORDS | NO_WORDS:
            raise CommandError("decide takes approve or reject")
        return {"approve": args[0].lower() in YES_WORDS}
    if action is Action.MERGE:
        if not args:
            raise CommandError("merge needs the target serial")
        return {"target": args[0]}
    if action in (Action.VOID, Action.REOPEN):
        if not text:
            raise CommandError(f"{action.value} needs a reason")
        return {"reason": text}
    if action is Action.CALLBACK:
        if not args:
            return {}
        result = RESULT_WORDS.get(args[0].lower())
        if result is None:
            raise CommandError("callback takes satisfied, basic, dissatisfied or unreachable")
        note = " ".join(args[1:])
        return {"result": result, **({"note": note} if note else {})}
    if action is Action.COMMENT:
        if not text:
            raise CommandError("comment needs a note")
        return {"note": text}
    return {}


class CommandSuggester(Suggester):
    """Inline completion for verbs, serials, departments and queue names."""

    def __init__(self, app: CityGridApp) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.cg = app

    async def get_suggestion(self, value: str) -> str | None:
        # The ``:`` key opens the prompt without typing a colon; accept one typed anyway.
        colon = ":" if value.startswith(":") else ""
        words = value[len(colon) :].split(" ")
        head = " ".join(words[:-1])
        last = words[-1]
        prefix = colon + (head + " " if head else "")
        if len(words) == 1:
            for verb in (*VIEW_VERBS, *sorted(VERBS, key=len, reverse=True)):
                if verb.startswith(last) and verb != last:
                    return prefix + verb
            return None
        if len(words) == 2 and words[0] in VERBS and last:
            for serial in self.cg.model.store.cases:
                if serial.startswith(last) or serial.endswith(last.zfill(6)):
                    return prefix + serial
        if len(words) == 3 and words[0] in ("d", "dispatch") and last:
            for dept in self.cg.actions_.departments_known or []:
                if dept.code.startswith(last.upper()):
                    return prefix + dept.code
        if len(words) == 2 and words[0] in ("q", "queue") and last:
            for queue in QUEUES:
                if queue.key.startswith(last):
                    return prefix + queue.key
        return None
