"""Strings of publication and appeals (考核发布与申诉), (Chinese, English)."""

from __future__ import annotations

from typing import Final, Literal

AppealKey = Literal[
    "key.publish",
    "key.appeals",
    "key.live",
    "key.appeal",
    "key.uphold",
    "key.reject",
    "pub.published",
    "pub.live",
    "pub.title",
    "pub.explain",
    "pub.done",
    "pub.refused_role",
    "appeal.title",
    "appeal.none",
    "appeal.state.pending",
    "appeal.state.upheld",
    "appeal.state.rejected",
    "appeal.row",
    "appeal.detail",
    "appeal.decided",
    "appeal.file_title",
    "appeal.file_explain",
    "appeal.reason",
    "appeal.evidence",
    "appeal.filed",
    "appeal.decide_title",
    "appeal.note",
    "appeal.upheld_done",
    "appeal.rejected_done",
    "appeal.no_counter",
    "appeal.reviewers_only",
    "form.keys",
    "form.required",
]

APPEAL_STRINGS: Final[dict[AppealKey, tuple[str, str]]] = {
    "key.publish": ("发布", "publish"),
    "key.appeals": ("申诉", "appeals"),
    "key.live": ("实时/已发布", "live/pub"),
    "key.appeal": ("申诉此案", "appeal"),
    "key.uphold": ("维持申诉", "uphold"),
    "key.reject": ("驳回", "reject"),
    "pub.published": ("已发布 第{revision}版", "published, revision {revision}"),
    "pub.live": ("实时数据（未冻结）", "live figures (not frozen)"),
    "pub.title": ("发布考核结果 {period}", "Publish the assessment of {period}"),
    "pub.explain": (
        "冻结本期全部排名与通报（政策版本 {policy}），作为第1版。发布后新事件不再改变本期"
        "结果，只有维持的申诉会产生新版本。",
        "Freezes every ranking and the notice of the period (policy {policy}) as revision "
        "1. Later events no longer move it; only an upheld appeal makes a new revision.",
    ),
    "pub.done": ("{period} 已发布，第{revision}版", "{period} published, revision {revision}"),
    "pub.refused_role": (
        "只有值班长和管理员可以发布考核结果。",
        "Only shift leads and administrators publish the assessment.",
    ),
    "appeal.title": ("考核申诉", "Assessment appeals"),
    "appeal.none": ("（没有申诉）", "(no appeals)"),
    "appeal.state.pending": ("待复核", "pending"),
    "appeal.state.upheld": ("已维持", "upheld"),
    "appeal.state.rejected": ("已驳回", "rejected"),
    "appeal.row": (
        "#{id:<4} {state}  {period}  {serial}  {counter}  {unit}  {appellant}  截止 {deadline}",
        "#{id:<4} {state}  {period}  {serial}  {counter}  {unit}  {appellant}  by {deadline}",
    ),
    "appeal.detail": (
        "理由：{reason}\n证据：{evidence}\n提交：{filed}（第{revision}版）",
        "Reason: {reason}\nEvidence: {evidence}\nFiled: {filed} (revision {revision})",
    ),
    "appeal.decided": (
        "复核：{reviewer} {decided}  {note}",
        "Review: {reviewer} {decided}  {note}",
    ),
    "appeal.file_title": ("申诉 {serial}", "Appeal {serial}"),
    "appeal.file_explain": (
        "{period} · {unit} · 扣分项 {counter}。须在发布后规定的工作日内提出。",
        "{period} · {unit} · deduction {counter}. Within the policy's working days of publication.",
    ),
    "appeal.reason": ("申诉理由（必填）", "reason (required)"),
    "appeal.evidence": (
        "证据：照片编号、文件等，逗号分隔",
        "evidence: photo ids, documents, comma-separated",
    ),
    "appeal.filed": ("申诉已提交：#{id}", "appeal #{id} filed"),
    "appeal.decide_title": ("{verdict}申诉 #{id}", "{verdict} appeal #{id}"),
    "appeal.note": ("复核意见（必填）", "reviewer's note (required)"),
    "appeal.upheld_done": (
        "申诉 #{id} 已维持，{period} 修订为第{revision}版",
        "appeal #{id} upheld: {period} revised to revision {revision}",
    ),
    "appeal.rejected_done": ("申诉 #{id} 已驳回", "appeal #{id} rejected"),
    "appeal.no_counter": (
        "先在计数列表中选一项扣分（Enter），再对其中的案件申诉。",
        "Pick a deduction in the counters (Enter) first, then appeal one of its cases.",
    ),
    "appeal.reviewers_only": (
        "只有值班长和管理员可以复核申诉。",
        "Only shift leads and administrators review appeals.",
    ),
    "form.keys": ("Enter 确认 · Tab 下一项 · Esc 取消", "Enter confirm · Tab next · Esc cancel"),
    "form.required": ("请填写：{field}", "Fill in: {field}"),
}
