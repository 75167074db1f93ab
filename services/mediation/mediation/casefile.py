"""The complete case file of one dispute (register, parties and consent, rights notice, risk,
sessions and minutes, agreement, performance, follow-up, journal) as printable HTML (Jinja2)
or PDF (ReportLab, Chinese set in the Adobe-GB1 CID font STSong-Light, which needs no font file)."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, select_autoescape

from mediation.forms import DisputeFile

RIGHTS_NOTICE = ("人民调解遵循自愿、平等原则；当事人有权选择或者接受调解员，有权拒绝调解或者要求终止调解，"
                 "有权要求调解公开或不公开进行，有权自主表达意愿、自愿达成调解协议；当事人应如实陈述纠纷事实，"
                 "遵守调解现场秩序，尊重对方当事人，自觉履行调解协议。 / Mediation is voluntary and equal: parties "
                 "may choose or accept a mediator, refuse or end mediation, ask for it to be public or not, and "
                 "agree freely; they state the facts truthfully, respect each other and perform what they agree.")

_TEMPLATE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>调解卷宗 {{ d.register_number }}</title>
<style>
 @page { size: A4; margin: 18mm 16mm; }
 body { font-family: "Noto Serif CJK SC", "Songti SC", SimSun, serif; font-size: 11pt; color: #000; }
 h1 { font-size: 16pt; text-align: center; } h2 { font-size: 12.5pt; border-bottom: 1px solid #000; margin-top: 14pt; }
 table { border-collapse: collapse; width: 100%; } td, th { border: 1px solid #444; padding: 3pt 5pt; vertical-align: top; text-align: left; }
 section { page-break-inside: avoid; } .muted { color: #444; font-size: 9.5pt; }
</style></head><body>
<h1>人民调解卷宗 / Mediation case file</h1>
<p class="muted">{{ d.register_number }}{% if d.case_number %} · case {{ d.case_number }}{% endif %} · printed {{ printed }}{% if not d.personal_data %} · personal data masked{% endif %}</p>
<section><h2>1. 登记 Register</h2><table>
<tr><th>committee</th><td>{{ d.committee }}</td><th>community</th><td>{{ d.community or "" }}</td></tr>
<tr><th>source</th><td>{{ d.source }}{% if d.source_ref %} ({{ d.source_ref }}){% endif %}</td><th>category</th><td>{{ d.category or "" }}</td></tr>
<tr><th>opened</th><td>{{ t(d.opened_at) }}</td><th>accepted</th><td>{{ t(d.accepted_at) }} {{ d.procedure }}</td></tr>
<tr><th>mediator</th><td>{{ d.mediator or "" }}</td><th>status</th><td>{{ d.status }}</td></tr>
<tr><th>time limit</th><td>{{ t(d.deadline_at) }} ({{ d.extensions }} extension(s))</td><th>risk</th><td>{{ d.risk_colour }} ({{ d.risk_score }}){% if d.watch %} · watch list{% endif %}</td></tr>
<tr><th>description</th><td colspan="3">{{ d.description }}</td></tr></table></section>
<section><h2>2. 当事人与同意 Parties and consent</h2><table><tr><th>role</th><th>name</th><th>phone</th><th>ID</th><th>consent</th></tr>
{% for p in d.parties %}<tr><td>{{ p.role }}</td><td>{{ p.name }}</td><td>{{ p.phone or "" }}</td><td>{{ p.id_number or "" }}</td>
<td>{{ {True: "consented", False: "refused", None: "not recorded"}[p.consent] }} {{ t(p.consent_at) }}</td></tr>{% endfor %}</table>
{% if d.not_accepted_reason %}<p>Not accepted: {{ d.not_accepted_reason }}</p>{% endif %}
{% if d.routes_told %}<p>Other routes told to the parties: {{ d.routes_told|join(", ") }}</p>{% endif %}</section>
<section><h2>3. 权利义务告知 Rights notice</h2><p>{{ rights }}</p><p>Given: {{ t(d.rights_notice_at) or "not recorded" }}</p></section>
<section><h2>4. 风险评估 Risk screening</h2><ul>{% for r in d.risk_reasons %}<li>{{ r.text }} (+{{ r.points }})</li>{% else %}<li>no risk factor found</li>{% endfor %}</ul></section>
<section><h2>5. 调解记录 Sessions and minutes</h2>{% for s in d.sessions %}<p><b>{{ t(s.scheduled_at) }} · {{ s.place }} · {{ s.status }}</b><br>
participants: {{ s.participants|join(", ") }}<br>{{ s.minutes or "" }}</p>{% else %}<p>none</p>{% endfor %}</section>
<section><h2>6. 调解结果 Outcome</h2>{% if d.outcome == "agreement" %}<p>Agreement ({{ d.agreement_form }}), {{ t(d.concluded_at) }}:</p><p>{{ d.agreement_terms }}</p>
<table><tr><th>obligation</th><th>due</th><th>done</th></tr>{% for o in d.obligations %}<tr><td>{{ o.description }}</td><td>{{ o.due_date }}</td><td>{{ o.done }}</td></tr>{% endfor %}</table>
<p>Signatures: {% for s in d.signatures %}{{ s.party_id[:8] }} ({{ s.signed_at[:10] }}){% if not loop.last %}, {% endif %}{% else %}none (oral agreement){% endfor %}</p>
{% if d.judicial_confirmation_at %}<p>Judicial confirmation requested {{ t(d.judicial_confirmation_at) }} at {{ d.judicial_court }}</p>{% endif %}
{% elif d.outcome == "terminated" %}<p>Terminated {{ t(d.concluded_at) }}: {{ d.termination_reason or d.not_accepted_reason }} — route {{ d.route or "" }}</p>{% else %}<p>pending</p>{% endif %}</section>
<section><h2>7. 履行与回访 Performance and follow-up</h2><p>Performance: {{ {True: "honoured", False: "not honoured", None: "not checked"}[d.honoured] }} {{ t(d.performance_checked_at) }}</p>
<p>Follow-up visit: {{ t(d.followed_up_at) or "none" }} {{ d.follow_up_note or "" }}</p><p>Archived: {{ t(d.archived_at) or "no" }}</p></section>
<section><h2>8. 流程记录 Journal</h2><table><tr><th>when</th><th>step</th><th>by</th><th>note</th></tr>
{% for e in d.journal %}<tr><td>{{ t(e.at) }}</td><td>{{ e.kind }}</td><td>{{ e.actor }}</td><td>{{ e.text }}</td></tr>{% endfor %}</table></section>
</body></html>"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(_TEMPLATE)


def _formatter(tz: ZoneInfo):  # type: ignore[no-untyped-def]
    def t(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""
    return t


def render_html(file: DisputeFile, *, timezone: str) -> str:
    tz = ZoneInfo(timezone)
    return _template.render(d=file, t=_formatter(tz), rights=RIGHTS_NOTICE,
                            printed=datetime.now(tz).strftime("%Y-%m-%d %H:%M"))


def render_pdf(file: DisputeFile, *, timezone: str) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    t = _formatter(ZoneInfo(timezone))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22, alignment=1)

    def p(text: object, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)

    def table(rows: list[list[object]], widths: list[float]) -> Table:
        tbl = Table([[p(c) for c in row] for row in rows], colWidths=[w * mm for w in widths], repeatRows=1)
        tbl.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return tbl

    d = file
    story: list[object] = [p("人民调解卷宗 / Mediation case file", title),
                           p(f"{d.register_number} · case {d.case_number or '-'}"
                             + ("" if d.personal_data else " · personal data masked")), Spacer(1, 4 * mm)]
    story += [p("1. 登记 Register", head), table([
        ["committee", d.committee, "community", d.community or ""],
        ["source", f"{d.source} {d.source_ref or ''}", "category", d.category or ""],
        ["opened", t(d.opened_at), "accepted", f"{t(d.accepted_at)} {d.procedure}"],
        ["mediator", d.mediator or "", "status", d.status],
        ["time limit", f"{t(d.deadline_at)} ({d.extensions} ext.)", "risk", f"{d.risk_colour} ({d.risk_score})"],
        ["description", d.description, "", ""]], [28, 60, 28, 60])]
    story += [p("2. 当事人与同意 Parties and consent", head),
              table([["role", "name", "phone", "ID", "consent"]] + [
                  [x.role, x.name, x.phone or "", x.id_number or "",
                   {True: "consented", False: "refused", None: "not recorded"}[x.consent] + " " + t(x.consent_at)]
                  for x in d.parties], [24, 30, 34, 44, 44])]
    if d.not_accepted_reason:
        story.append(p(f"Not accepted: {d.not_accepted_reason}"))
    if d.routes_told:
        story.append(p(f"Other routes told to the parties: {', '.join(d.routes_told)}"))
    story += [p("3. 权利义务告知 Rights notice", head), p(RIGHTS_NOTICE),
              p(f"Given: {t(d.rights_notice_at) or 'not recorded'}")]
    story += [p("4. 风险评估 Risk screening", head)] + [p(f"• {r['text']} (+{r['points']})") for r in d.risk_reasons]
    story += [p("5. 调解记录 Sessions and minutes", head)] + [
        p(f"{t(s.scheduled_at)} · {s.place} · {s.status}\nparticipants: {', '.join(s.participants)}\n{s.minutes or ''}")
        for s in d.sessions]
    story.append(p("6. 调解结果 Outcome", head))
    if d.outcome == "agreement":
        story += [p(f"Agreement ({d.agreement_form}), {t(d.concluded_at)}:"), p(d.agreement_terms)]
        if d.obligations:
            story.append(table([["obligation", "due", "done"]] + [[o["description"], o["due_date"], o.get("done")]
                                                                    for o in d.obligations], [110, 35, 30]))
        story.append(p("Signatures: " + (", ".join(f"{s['party_id'][:8]} ({s['signed_at'][:10]})" for s in d.signatures)
                                         or "none (oral agreement)")))
        if d.judicial_confirmation_at:
            story.append(p(f"Judicial confirmation requested {t(d.judicial_confirmation_at)} at {d.judicial_court}"))
    elif d.outcome == "terminated":
        story.append(p(f"Terminated {t(d.concluded_at)}: {d.termination_reason or d.not_accepted_reason} — route {d.route or ''}"))
    story += [p("7. 履行与回访 Performance and follow-up", head),
              p(f"Performance: {({True: 'honoured', False: 'not honoured', None: 'not checked'})[d.honoured]} "
                f"{t(d.performance_checked_at)}"),
              p(f"Follow-up visit: {t(d.followed_up_at) or 'none'} {d.follow_up_note or ''}"),
              p(f"Archived: {t(d.archived_at) or 'no'}")]
    story += [p("8. 流程记录 Journal", head),
              table([["when", "step", "by", "note"]] + [[t(e.at), e.kind, e.actor, e.text] for e in d.journal],
                    [32, 30, 34, 80])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f"Mediation case file {d.register_number}",
                      author="OneGrid mediation").build(story)
    return buffer.getvalue()
