"""Every console UI string, in Chinese (first) and English.

Keys are stable identifiers (``queue.reported``, ``col.serial``, ``err.conflict``) and
are typed: :data:`Key` is a ``Literal``, so ``mypy --strict`` rejects a misspelt key at
the call site. Placeholders use ``str.format`` syntax (``{n}``, ``{serial}``); both
languages always take the same placeholders (a unit test checks this).

Labels for the shared vocabulary (case states, actions, roles, sources ...) live in
:mod:`backend_client.labels`; this table holds the console's own texts.

Usage::

    from console.i18n import detect_lang, t

    lang = detect_lang(os.environ)
    t("status.reconnecting", lang, n=5)     # "◌ 重连中 5s"
    tr = Strings(lang)
    tr("msg.too_small", w=70, h=20)
    t(as_key(f"queue.{name}"), lang)        # a key built at run time, checked

Severity is never shown by colour alone (NO_COLOR leaves only bold/dim/italic/underline),
so status strings carry glyphs (``●`` live, ``◌`` reconnecting, ``✕`` stale, ``‖`` paused).
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Final, Literal, cast, get_args

__all__ = [
    "KEYS",
    "LANGS",
    "STRINGS",
    "Key",
    "Lang",
    "Strings",
    "as_key",
    "detect_lang",
    "normalize_lang",
    "placeholders",
    "t",
]

Lang = Literal["zh", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")
DEFAULT_LANG: Final[Lang] = "zh"

Key = Literal[
    "app.title",
    "queue.reported",
    "queue.verifying",
    "queue.filed",
    "queue.dispatched",
    "queue.in_progress",
    "queue.disposed",
    "queue.requests",
    "queue.overdue",
    "queue.supervised",
    "queue.all",
    "queue.empty",
    "col.serial",
    "col.grid",
    "col.category",
    "col.source",
    "col.department",
    "col.state",
    "col.rework",
    "col.deadline",
    "col.serial_short",
    "col.grid_short",
    "col.category_short",
    "col.source_short",
    "col.department_short",
    "col.state_short",
    "col.rework_short",
    "col.deadline_short",
    "status.live",
    "status.reconnecting",
    "status.stale",
    "status.refused",
    "status.tagged",
    "status.filter",
    "guard.changed",
    "guard.cursor_now",
    "guard.gone",
    "guard.held",
    "prompt.filter",
    "prompt.command",
    "msg.loading",
    "msg.no_case",
    "msg.nothing_pending",
    "msg.done",
    "msg.not_bulk",
    "msg.bulk_targets",
    "msg.bulk_progress",
    "msg.bulk_done",
    "msg.too_small",
    "dlg.enter_confirm",
    "dlg.sending",
    "dlg.reason",
    "dlg.reason_needed",
    "dlg.void_reason",
    "dlg.comment",
    "dlg.merge_target",
    "dlg.dispatch",
    "dlg.department",
    "dlg.deadline_preview",
    "dlg.dispatch_keys",
    "dlg.verify",
    "dlg.verify_keys",
    "photo.before",
    "photo.after",
    "photo.none",
    "photo.loading",
    "photo.failed",
    "photo.caption",
    "photo.text",
    "photo.keys",
    "dlg.dept_report",
    "dlg.no_dept_report",
    "dlg.verify_photo_keys",
    "detail.photo",
    "detail.photo_keys",
    "msg.no_photo",
    "dlg.decide",
    "dlg.decide_keys",
    "dlg.pending",
    "detail.serial",
    "detail.state",
    "detail.category",
    "detail.source",
    "detail.urgency",
    "detail.grid",
    "detail.address",
    "detail.lonlat",
    "detail.department",
    "detail.suggested",
    "detail.deadline",
    "detail.rework",
    "detail.extension",
    "detail.flags",
    "detail.description",
    "detail.reporter",
    "detail.attachment",
    "detail.allowed",
    "detail.supervised",
    "detail.urged",
    "detail.merged_into",
    "detail.deadlines",
    "detail.paused",
    "detail.running",
    "detail.timeline",
    "detail.col.stage",
    "detail.col.limit",
    "detail.col.started",
    "detail.col.due",
    "detail.col.done",
    "detail.col.seq",
    "detail.col.when",
    "detail.col.who",
    "detail.col.what",
    "detail.col.data",
    "intake.title",
    "intake.category",
    "intake.category_hint",
    "intake.location",
    "intake.location_hint",
    "intake.location_unresolved",
    "intake.urgent",
    "intake.description",
    "intake.description_hint",
    "intake.reporter",
    "intake.name",
    "intake.phone",
    "intake.duplicates",
    "intake.duplicates_found",
    "intake.no_duplicate",
    "intake.keys",
    "intake.need_category",
    "intake.need_location",
    "intake.need_description",
    "intake.created",
    "intake.merged",
    "help.title",
    "help.key",
    "help.action",
    "help.id",
    "help.navigation",
    "help.queues",
    "help.case_actions",
    "help.bulk",
    "help.dialogs",
    "help.display",
    "help.more",
    "key.file",
    "key.dispatch",
    "key.verify",
    "key.decide",
    "key.void",
    "key.merge",
    "key.supervise",
    "key.urge",
    "key.comment",
    "key.reopen",
    "key.detail",
    "key.intake",
    "key.filter",
    "key.clear",
    "key.command",
    "key.sort_next",
    "key.sort_prev",
    "key.sort_reverse",
    "key.untag",
    "key.map",
    "key.focus",
    "key.help",
    "key.quit",
    "key.back",
    "key.reload",
    "key.submit",
    "key.merge_duplicate",
    "key.queue_1",
    "key.queue_2",
    "key.queue_3",
    "key.queue_4",
    "key.queue_5",
    "key.queue_6",
    "key.queue_7",
    "key.queue_8",
    "key.queue_9",
    "key.queue_0",
    "map.title",
    "map.none",
    "map.open",
    "map.many",
    "map.overdue",
    "map.supervised",
    "map.key_grid",
    "map.key_zoom_in",
    "map.key_zoom_out",
    "alert.urgent",
    "alert.overdue",
    "err.conflict",
    "err.refused",
    "err.forbidden",
    "err.not_found",
    "err.invalid",
    "err.offline",
    "err.load",
    "err.filter",
    "err.theme",
    "err.token_refused",
    "err.unauthorized",
    "warn.token_file_mode",
    # --- shift handover (交接班) ---
    "key.handover",
    "status.handover",
    "handover.title",
    "handover.shift",
    "handover.state.draft",
    "handover.state.signed",
    "handover.state.acknowledged",
    "handover.author",
    "handover.read_only",
    "handover.snapshot",
    "handover.open",
    "handover.due_soon",
    "handover.pending",
    "handover.supervised",
    "handover.went_overdue",
    "handover.done",
    "handover.notes",
    "handover.checklist",
    "handover.remark",
    "handover.save",
    "handover.sign",
    "handover.acknowledge",
    "handover.replay",
    "handover.back",
    "handover.none",
    "handover.saved",
    "handover.signed",
    "handover.acknowledged",
    "handover.incoming",
    "replay.title",
    "replay.empty",
    "replay.keys",
]
"""Every string id; ``mypy`` checks calls such as ``t("col.serial", lang)``."""

_TABLE: Final[dict[Key, tuple[str, str]]] = {
    # --- application -------------------------------------------------------
    "app.title": ("城市网格化管理指挥中心", "CityGrid command centre"),
    # --- queues (tabs; keys follow console.queues.QUEUES) --------------------
    "queue.reported": ("待受理", "new reports"),
    "queue.verifying": ("待核实", "verifying"),
    "queue.filed": ("待派遣", "filed"),
    "queue.dispatched": ("待签收", "dispatched"),
    "queue.in_progress": ("处置中", "in progress"),
    "queue.disposed": ("待核查", "awaiting check"),
    "queue.requests": ("申请待批", "requests"),
    "queue.overdue": ("超期", "overdue"),
    "queue.supervised": ("督办", "supervised"),
    "queue.all": ("全部", "all"),
    "queue.empty": ("（此队列暂无案件）", "(no cases in this queue)"),
    # --- queue table columns (keys follow console.columns) -----------------
    "col.serial": ("流水号", "serial"),
    "col.grid": ("网格", "grid"),
    "col.category": ("类别", "category"),
    "col.source": ("来源", "source"),
    "col.department": ("责任单位", "department"),
    "col.state": ("状态", "state"),
    "col.rework": ("返工", "rework"),
    "col.deadline": ("时限", "deadline"),
    # ... and the titles for a column too narrow for the above
    "col.serial_short": ("流水号", "no."),
    "col.grid_short": ("网格", "grid"),
    "col.category_short": ("类别", "class"),
    "col.source_short": ("来源", "src"),
    "col.department_short": ("单位", "dept"),
    "col.state_short": ("状态", "state"),
    "col.rework_short": ("返", "redo"),
    "col.deadline_short": ("时限", "due"),
    # --- status bar (glyphs too: NO_COLOR leaves no colour) ----------------
    "status.live": ("● 在线", "● live"),
    "status.reconnecting": ("◌ 重连中 {n}s", "◌ reconnecting {n}s"),
    "status.stale": ("✕ 已离线 自 {since}", "✕ stale since {since}"),
    "status.refused": ("✕ 令牌被拒 画面停在 {since}", "✕ token refused, view as of {since}"),
    "status.tagged": ("已标记 {n}", "{n} tagged"),
    # The filter in force, shown once Enter closed the prompt (while it is open the
    # prompt line shows what is being typed).
    "status.filter": ("筛选: {text}", "filter: {text}"),
    # --- someone else changed the row under the cursor (console.guard) -------
    "guard.changed": (
        "{serial} 刚被{who}{action}（现为{state}）",
        "{serial}: {who} did {action} just now (now {state})",
    ),
    "guard.cursor_now": ("，光标现在在 {serial}", "; the cursor is now on {serial}"),
    "guard.gone": (
        "{serial} 刚因他人操作移出您的视野",
        "{serial} has just left your view after someone else's action",
    ),
    "guard.held": (
        "未执行「{action}」：{changed}。要对 {target} 执行，请再按一次",
        "{action} not sent: {changed}. Press the key again to act on {target}",
    ),
    # --- prompts (prompt.{mode}) ---------------------------------------------
    "prompt.filter": (
        "筛选：关键词 或 dept:单位 grid:网格 st:街道 cat:类别 src:来源 state:状态 urgent:是",
        "filter: words or dept: grid: st: cat: src: state: urgent:yes",
    ),
    "prompt.command": (
        "命令：:d 流水号 单位  :v 流水号 pass  :goto 网格编码  :q 队列  （Tab 补全）",
        "command: :d SERIAL DEPT  :v SERIAL pass  :goto GRID  :q QUEUE  (Tab completes)",
    ),
    # --- messages (notifications) --------------------------------------------
    "msg.loading": ("加载中…", "loading…"),
    "msg.no_case": ("没有选中的案件", "no case selected"),
    "msg.nothing_pending": ("该案件没有待审批的申请", "this case has no pending request"),
    "msg.done": ("已{action}：{serial}", "{action}: {serial} done"),
    "msg.not_bulk": ("「{action}」不能批量执行", "{action} cannot be applied in bulk"),
    "msg.bulk_targets": ("对已标记的 {n} 件案件执行", "applies to the {n} tagged cases"),
    "msg.bulk_progress": ("{action} {done}/{total}", "{action} {done}/{total}"),
    "msg.bulk_done": (
        "{action}：成功 {ok} 件，失败 {failed} 件",
        "{action}: {ok} done, {failed} failed",
    ),
    "msg.too_small": (
        "终端太小：需要 ≥80×24，当前 {w}×{h}",
        "terminal too small: need ≥80×24, have {w}×{h}",
    ),
    # --- dialogs -------------------------------------------------------------
    "dlg.enter_confirm": ("Enter 确认  Esc 取消", "Enter confirm  Esc cancel"),
    "dlg.sending": ("提交中…", "sending…"),
    "dlg.reason": ("理由", "reason"),
    "dlg.reason_needed": ("请填写理由", "a reason is required"),
    "dlg.void_reason": ("作废原因", "reason for voiding"),
    "dlg.comment": ("备注内容", "comment"),
    "dlg.merge_target": ("并入的案件流水号", "serial of the case to merge into"),
    "dlg.dispatch": ("派遣", "Dispatch"),
    "dlg.department": ("责任单位", "department"),
    "dlg.deadline_preview": (
        "预计时限：签收 {sign}（{due} 前），处置 {dispose}",
        "deadline preview: sign within {sign} (by {due}), dispose within {dispose}",
    ),
    "dlg.dispatch_keys": (
        "↑↓ 选择责任单位  Enter 确认派遣  Esc 取消",
        "↑↓ department  Enter confirm  Esc cancel",
    ),
    "dlg.verify": ("核查", "Check"),
    "dlg.verify_keys": ("p 通过  r 退回  Esc 取消", "p pass  r send back  Esc cancel"),
    "photo.before": ("处置前", "before"),
    "photo.after": ("处置后", "after"),
    "photo.none": ("（无{phase}照片）", "(no {phase} photo)"),
    "photo.loading": ("照片加载中…", "loading photo…"),
    "photo.failed": ("照片无法显示：{reason}", "photo not shown: {reason}"),
    "photo.caption": ("{phase}：{size}，{who}，{when}", "{phase}: {size}, {who}, {when}"),
    "photo.text": (
        "[{phase}照片 {w}×{h} 像素，{size}，{who} 上传于 {when}]",
        "[{phase} photo {w}×{h} px, {size}, by {who} at {when}]",
    ),
    "photo.keys": ("Esc 返回", "Esc back"),
    "dlg.dept_report": (
        "部门反馈：{note}（{who}，{when}）",
        "Department reported: {note} ({who}, {when})",
    ),
    "dlg.no_dept_report": ("部门尚未反馈", "No report from the department yet"),
    "dlg.verify_photo_keys": (
        "p 通过  r 退回  b/a 全屏看处置前/后照片  Esc 取消",
        "p pass  r send back  b/a full-screen before/after photo  Esc cancel",
    ),
    "detail.photo": ("照片", "photo"),
    "detail.photo_keys": (
        "b/a 全屏看最新处置前/后照片",
        "b/a: newest before/after photo full-screen",
    ),
    "msg.no_photo": ("该案件没有{phase}照片。", "This case has no {phase} photo."),
    "dlg.decide": ("审批", "Decide"),
    "dlg.decide_keys": ("y 同意  n 驳回  Esc 取消", "y approve  n reject  Esc cancel"),
    "dlg.pending": (
        "{kind}申请 · 申请人：{who} · 理由：{reason} {hours}",
        "{kind} request · by {who} · reason: {reason} {hours}",
    ),
    # --- case detail ---------------------------------------------------------
    "detail.serial": ("流水号", "serial"),
    "detail.state": ("状态", "state"),
    "detail.category": ("类别", "category"),
    "detail.source": ("来源", "source"),
    "detail.urgency": ("紧急程度", "urgency"),
    "detail.grid": ("网格", "grid"),
    "detail.address": ("地址", "address"),
    "detail.lonlat": ("经纬度", "lon, lat"),
    "detail.department": ("责任单位", "department"),
    "detail.suggested": ("建议单位", "suggested"),
    "detail.deadline": ("时限", "deadline"),
    "detail.rework": ("返工", "rework"),
    "detail.extension": ("已延期", "extended"),
    "detail.flags": ("标记", "flags"),
    "detail.description": ("描述", "description"),
    "detail.reporter": ("报告人", "reporter"),
    "detail.attachment": ("附件", "attachment"),
    "detail.allowed": ("可执行操作", "allowed actions"),
    "detail.supervised": ("督办", "supervised"),
    "detail.urged": ("催办 {n} 次", "urged {n}×"),
    "detail.merged_into": ("已并入 {serial}", "merged into {serial}"),
    "detail.deadlines": ("各阶段时限", "Stage deadlines"),
    "detail.paused": ("‖ 暂停", "‖ paused"),
    "detail.running": ("进行中", "running"),
    "detail.timeline": ("办理过程", "Timeline"),
    "detail.col.stage": ("阶段", "stage"),
    "detail.col.limit": ("时限", "limit"),
    "detail.col.started": ("开始", "started"),
    "detail.col.due": ("截止", "due"),
    "detail.col.done": ("完成", "done"),
    "detail.col.seq": ("序号", "#"),
    "detail.col.when": ("时间", "when"),
    "detail.col.who": ("操作人", "who"),
    "detail.col.what": ("操作", "action"),
    "detail.col.data": ("内容", "details"),
    # --- intake form ---------------------------------------------------------
    "intake.title": ("受理登记", "New report"),
    "intake.category": ("类别", "category"),
    "intake.category_hint": ("输入类别代码或名称，如 0101 或 井盖", "code or name, e.g. 0101"),
    "intake.location": ("位置（网格编码/地址/经纬度）", "location (grid code / address / lon,lat)"),
    "intake.location_hint": (
        "15 位网格编码、地址，或 经度,纬度",
        "15-digit grid code, an address, or lon,lat",
    ),
    "intake.location_unresolved": (
        "无法定位：请输入网格编码、地址或经纬度",
        "location not found: enter a grid code, an address or lon,lat",
    ),
    "intake.urgent": ("紧急", "urgent"),
    "intake.description": ("描述", "description"),
    "intake.description_hint": ("问题描述（必填）", "what is wrong (required)"),
    "intake.reporter": ("报告人", "reporter"),
    "intake.name": ("姓名", "name"),
    "intake.phone": ("来电号码", "reporter phone"),
    "intake.duplicates": ("可能重复", "possible duplicates"),
    "intake.duplicates_found": ("发现 {n} 件可能重复的案件", "{n} possible duplicates"),
    "intake.no_duplicate": ("没有选中可能重复的案件", "no possible duplicate selected"),
    "intake.keys": (
        "F2 提交  F3 合并到选中的重复案件  Esc 返回",
        "F2 submit  F3 merge into the selected duplicate  Esc back",
    ),
    "intake.need_category": ("请选择类别", "choose a category"),
    "intake.need_location": ("请填写位置", "enter a location"),
    "intake.need_description": ("请填写描述", "enter a description"),
    "intake.created": ("已受理：{serial}", "reported: {serial}"),
    "intake.merged": (
        "已受理 {serial} 并合并到 {target}",
        "{serial} reported and merged into {target}",
    ),
    # --- help screen ---------------------------------------------------------
    "help.title": ("帮助", "Help"),
    "help.key": ("按键", "key"),
    "help.action": ("功能", "action"),
    "help.id": ("操作标识", "action id"),
    "help.navigation": ("导航", "Navigation"),
    "help.queues": ("队列", "Queues"),
    "help.case_actions": ("案件操作", "Case actions"),
    "help.bulk": ("批量操作", "Bulk actions"),
    "help.dialogs": ("对话框", "Dialogs"),
    "help.display": ("显示", "Display"),
    "help.more": (
        "↑↓ PgUp PgDn g G 移动  Space 标记；标记多件后按操作键批量处理\n"
        "/ 筛选：dept:单位 grid:网格 st:街道 cat:类别 src:来源 state:状态，或关键词\n"
        ": 命令行：:d 流水号 单位  :v 流水号 pass  :goto 网格编码  :theme 主题  :lang en\n"
        "标记含义：! 紧急  督 督办  * 有待批申请；颜色之外总有文字或符号\n"
        "Esc 关闭帮助",
        "↑↓ PgUp PgDn g G move  Space tag; with cases tagged, action keys work in bulk\n"
        "/ filter: dept: grid: st: cat: src: state: or plain words\n"
        ": command line: :d SERIAL DEPT  :v SERIAL pass  :goto GRID  :theme NAME  :lang zh\n"
        "Marks: ! urgent  S supervised  * pending request; never shown by colour alone\n"
        "Esc close help",
    ),
    # --- key binding descriptions (console.keymap help_key) ------------------
    "key.file": ("立案", "file"),
    "key.dispatch": ("派遣", "dispatch"),
    "key.verify": ("核查", "check"),
    "key.decide": ("审批", "decide"),
    "key.void": ("作废", "void"),
    "key.merge": ("合并", "merge"),
    "key.supervise": ("督办", "supervise"),
    "key.urge": ("催办", "urge"),
    "key.comment": ("备注", "comment"),
    "key.reopen": ("重启", "reopen"),
    "key.detail": ("详情", "details"),
    "key.intake": ("受理", "report"),
    "key.filter": ("筛选", "filter"),
    "key.clear": ("清除筛选/标记", "clear filter/tags"),
    "key.command": ("命令", "command"),
    "key.sort_next": ("下一排序列", "sort by next column"),
    "key.sort_prev": ("上一排序列", "sort by previous column"),
    "key.sort_reverse": ("反向排序", "reverse sort"),
    "key.untag": ("取消全部标记", "untag all"),
    "key.map": ("地图", "map"),
    "key.focus": ("切换窗格", "next pane"),
    "key.help": ("帮助", "help"),
    "key.quit": ("退出", "quit"),
    "key.back": ("返回", "back"),
    "key.reload": ("刷新", "reload"),
    "key.submit": ("提交", "submit"),
    "key.merge_duplicate": ("合并到重复案件", "merge into duplicate"),
    "key.queue_1": ("队列：待受理", "queue: new reports"),
    "key.queue_2": ("队列：待核实", "queue: verifying"),
    "key.queue_3": ("队列：待派遣", "queue: filed"),
    "key.queue_4": ("队列：待签收", "queue: dispatched"),
    "key.queue_5": ("队列：处置中", "queue: in progress"),
    "key.queue_6": ("队列：待核查", "queue: awaiting check"),
    "key.queue_7": ("队列：申请待批", "queue: requests"),
    "key.queue_8": ("队列：超期", "queue: overdue"),
    "key.queue_9": ("队列：督办", "queue: supervised"),
    "key.queue_0": ("队列：全部", "queue: all"),
    # --- grid map legend -----------------------------------------------------
    "map.title": ("网格地图", "Grid map"),
    "map.none": ("无案件", "no cases"),
    "map.open": ("有案件", "open cases"),
    "map.many": ("案件较多", "many cases"),
    "map.overdue": ("有超期", "overdue"),
    "map.supervised": ("督办", "supervised"),
    "map.key_grid": ("该网格", "grid"),
    "map.key_zoom_in": ("放大", "zoom in"),
    "map.key_zoom_out": ("缩小", "zoom out"),
    # --- alerts --------------------------------------------------------------
    "alert.urgent": ("新紧急案件 {serial}：{category}", "new urgent case {serial}: {category}"),
    "alert.overdue": (
        "新超期 {n} 件，如 {serial} {category}",
        "{n} cases went overdue, e.g. {serial} {category}",
    ),
    # --- errors --------------------------------------------------------------
    "err.conflict": (
        "案件已被{who}于{at}修改（现为{state}）；已刷新 — 重试？",
        "case changed by {who} at {at} (now {state}); refreshed — retry?",
    ),
    "err.refused": ("操作被拒绝：{detail}", "refused: {detail}"),
    "err.forbidden": ("无权限：{detail}", "not allowed: {detail}"),
    "err.unauthorized": (
        "令牌被拒绝：{detail} 请管理员运行 citygrid tokens rotate 发放新令牌",
        "token refused: {detail} Ask an admin for a new one ('citygrid tokens rotate')",
    ),
    "err.not_found": ("未找到：{detail}", "not found: {detail}"),
    "err.invalid": ("输入有误：{detail}", "invalid input: {detail}"),
    "err.offline": ("离线：操作未发送，已保留输入", "offline: not sent, your input is kept"),
    "err.load": ("加载失败：{detail}", "loading failed: {detail}"),
    "err.filter": ("筛选条件有误：{detail}", "bad filter: {detail}"),
    "err.theme": ("主题文件有误：{detail}", "theme file error: {detail}"),
    "warn.token_file_mode": (
        "令牌文件 {path} 他人可读（权限 {mode}）：请运行 chmod 600 {path}",
        "the token file {path} is readable by others (mode {mode}): run chmod 600 {path}",
    ),
    "err.token_refused": (
        "服务器拒绝了本控制台的令牌（{detail}），画面已停止更新。"
        "请管理员运行 citygrid tokens rotate {user} 发放新令牌，"
        "再用 --token、环境变量 CITYGRID_TOKEN 或配置文件 {config} 设置后重新启动控制台。",
        "The server refused this console's token ({detail}); the view has stopped updating. "
        "Ask an admin to run 'citygrid tokens rotate {user}' for a new token, then set it "
        'with --token, CITYGRID_TOKEN or token = "…" in {config}, and start the console '
        "again.",
    ),
    # --- shift handover (交接班) -------------------------------------------
    "key.handover": ("交接班", "shift handover"),
    "status.handover": ("◆ 交接待确认 #{id}", "◆ handover #{id} to acknowledge"),
    "handover.title": ("交接班", "Shift handover"),
    "handover.shift": ("{name} {start}-{end}  接班：{next}", "{name} {start}-{end}  next: {next}"),
    "handover.state.draft": ("草稿（未签字）", "draft (not signed)"),
    "handover.state.signed": ("已签字 {at}，待接班确认", "signed {at}, awaiting the incoming lead"),
    "handover.state.acknowledged": ("{who} 已于 {at} 确认接班", "acknowledged by {who} at {at}"),
    "handover.author": ("交班人 {who}", "outgoing lead {who}"),
    "handover.read_only": ("只读", "read-only"),
    "handover.snapshot": (
        "概况（截至 {at}；在计数行按 Enter 打开队列）",
        "Snapshot (as of {at}; Enter on a count opens its queue)",
    ),
    "handover.open": ("在办 {n}", "open {n}"),
    "handover.due_soon": ("{h} 工作时内到期 {n}", "due within {h} working hours {n}"),
    "handover.pending": ("申请待批 {n}：{detail}", "requests waiting {n}: {detail}"),
    "handover.supervised": ("督办 {n}  催办 {urged}", "supervised {n}  urged {urged}"),
    "handover.went_overdue": ("本班新超期 {n}", "went overdue this shift {n}"),
    "handover.done": (
        "本班立案 {filed}  派遣 {dispatched}  结案 {closed}",
        "this shift filed {filed}  dispatched {dispatched}  closed {closed}",
    ),
    "handover.notes": ("交班留言", "Notes for the next shift"),
    "handover.checklist": ("检查项", "Checklist"),
    "handover.remark": ("备注", "remark"),
    "handover.save": ("保存", "Save"),
    "handover.sign": ("签字交班", "Sign"),
    "handover.acknowledge": ("确认接班", "Acknowledge"),
    "handover.replay": ("回放", "Replay"),
    "handover.back": ("返回", "Back"),
    "handover.none": (
        "本班尚无交接记录；值班长按 H 生成。",
        "No handover for this shift yet; a shift lead builds it with H.",
    ),
    "handover.saved": ("交接记录已保存（概况已更新）", "handover saved (snapshot refreshed)"),
    "handover.signed": (
        "已签字交班；接班值班长登录后确认",
        "signed; the incoming lead acknowledges it on sign-in",
    ),
    "handover.acknowledged": ("已确认接班", "handover acknowledged"),
    "handover.incoming": (
        "{who} 已签字交班（{shift}）：请阅读后按“确认接班”",
        "{who} signed the {shift} handover: read it, then press Acknowledge",
    ),
    "replay.title": ("回放 {shift}  {pos}/{total}", "Replay {shift}  {pos}/{total}"),
    "replay.empty": ("本班没有事件", "no events in this shift"),
    "replay.keys": (
        "←/→ 或 p/n 上一条/下一条  Home/End 首/末  Esc 返回",
        "←/→ or p/n previous/next  Home/End first/last  Esc back",
    ),
}


KEYS: Final[tuple[Key, ...]] = get_args(Key)
_KEY_SET: Final[frozenset[str]] = frozenset(KEYS)

STRINGS: Final[Mapping[Lang, Mapping[Key, str]]] = {
    "zh": {key: pair[0] for key, pair in _TABLE.items()},
    "en": {key: pair[1] for key, pair in _TABLE.items()},
}
"""The two tables, by language (derived from one paired table, so keys always match)."""

# Environment variables consulted by detect_lang, highest priority first. CITYGRID_LANG
# is an explicit override (useful when a server's locale is C.UTF-8 but operators read
# Chinese); then the POSIX order for messages.
_LANG_ENV: Final = ("CITYGRID_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def normalize_lang(lang: str) -> Lang:
    """``"zh"``, ``"zh_CN.UTF-8"``, ``"zh-Hans"`` -> ``"zh"``; anything else -> ``"en"``."""
    return "zh" if lang.strip().lower().startswith("zh") else "en"


def detect_lang(env: Mapping[str, str]) -> Lang:
    """Pick the UI language from ``CITYGRID_LANG``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``.

    The first non-empty variable decides: ``zh*`` -> ``"zh"``, anything else (``en_US``,
    ``C``, ``POSIX`` ...) -> ``"en"``. If none is set the console is Chinese (``"zh"``).
    """
    for name in _LANG_ENV:
        value = env.get(name, "").strip()
        if value:
            return normalize_lang(value)
    return DEFAULT_LANG


def t(key: Key, lang: str = DEFAULT_LANG, /, **fmt: object) -> str:
    """The ``key`` string in ``lang`` (``"zh"``/``"en"``, or a locale name), formatted.

    Raises:
        KeyError: unknown key, or a placeholder missing from ``fmt``.
    """
    text = STRINGS[normalize_lang(lang)][key]
    return text.format(**fmt)


def as_key(name: str) -> Key:
    """Check a key built at run time (``f"queue.{queue.key}"``) and type it as :data:`Key`.

    Raises:
        KeyError: ``name`` is not in the table.
    """
    if name not in _KEY_SET:
        raise KeyError(f"unknown i18n key {name!r}")
    return cast(Key, name)


def placeholders(text: str) -> frozenset[str]:
    """The ``{name}`` placeholders used in ``text``."""
    return frozenset(field for _, field, _, _ in Formatter().parse(text) if field)


class Strings:
    """``t`` bound to one language: ``tr = Strings("en"); tr("col.serial")``."""

    __slots__ = ("lang",)

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang: Lang = normalize_lang(lang)

    def __call__(self, key: Key, /, **fmt: object) -> str:
        return t(key, self.lang, **fmt)

    def __repr__(self) -> str:
        return f"Strings({self.lang!r})"
