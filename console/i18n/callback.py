"""The callback (回访) queue's and the figure view's strings, (Chinese, English)."""

from __future__ import annotations

from typing import Final, Literal

CallbackKey = Literal[
    "queue.callback",
    "key.queue_callback",
    "key.callback",
    "dlg.callback",
    "dlg.callback_note",
    "dlg.callback_keys",
    "dlg.callback_redo",
    "msg.callback_not_due",
    "status.case_set",
    "drill.opening",
    "drill.capped",
]

CALLBACK_STRINGS: Final[dict[CallbackKey, tuple[str, str]]] = {
    "queue.callback": ("回访", "callbacks"),
    "key.queue_callback": ("队列：回访", "queue: callbacks"),
    "key.callback": ("记录回访结果", "record a callback"),
    "dlg.callback": ("回访 — {serial}", "Callback — {serial}"),
    "dlg.callback_note": ("备注（可不填）", "note (optional)"),
    "dlg.callback_keys": (
        "↑↓ 选结果  Tab 备注  Enter 记录  Esc 取消",
        "↑↓ result  Tab note  Enter record  Esc cancel",
    ),
    "dlg.callback_redo": (
        "不满意：按中心规定，案件可退回重办",
        "dissatisfied: the centre's policy may send the case back for redo",
    ),
    "msg.callback_not_due": (
        "{serial} 没有待办的回访",
        "{serial} has no callback due",
    ),
    "status.case_set": (
        "考核 {title}：{n} 件（Esc 返回）",
        "assessed {title}: {n} case(s) (Esc back)",
    ),
    "drill.opening": ("正在读取 {counter} 的案件…", "loading the cases behind {counter}…"),
    "drill.capped": (
        "{counter} 共 {total} 件，队列中显示前 {n} 件",
        "{counter} has {total} cases; the queue shows the first {n}",
    ),
}
