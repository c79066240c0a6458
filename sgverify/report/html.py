"""The HTML report: one self-contained file (inline CSS and script, no network) with a
summary per control, the reachability matrix as a heat map that can be filtered, and
every finding that is not proved with its counterexample and deciding rule.

The data (controls, findings, matrix cells) is embedded as JSON and drawn by a small
script; the page also works as a document without it (the summary table is static HTML).
Output is deterministic: no timestamps, stable order.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ..analyses.audit.run import AuditReport
from ..analyses.reach.answer import Answer
from ..core.version import __version__
from .audit import STATUSES, counts, detail_lines
from .reach import not_verified, witness_lines

MAX_UNITS = 150  # rows and columns the heat map carries (the rest is said, not hidden)

CSS = """
:root { --fg:#1d2330; --muted:#5c6475; --line:#d9dde6; --bad:#b3261e; --ok:#1e7b34;
        --warn:#9a6700; --bg:#fbfcfe; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; padding: 24px 32px 64px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; }
.muted { color: var(--muted); } code, pre, .mono { font-family: ui-monospace, "SFMono-Regular",
  Menlo, Consolas, monospace; font-size: 12.5px; }
table.summary { border-collapse: collapse; min-width: 60%; }
table.summary th, table.summary td { border-bottom: 1px solid var(--line); padding: 5px 10px;
  text-align: left; vertical-align: top; }
table.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
.sev-critical { color: #fff; background: #7a0d0d; } .sev-high { color: #fff; background: var(--bad); }
.sev-medium { background: #f4c542; } .sev-low { background: #dfe6f0; }
.sev { border-radius: 3px; padding: 1px 6px; font-size: 12px; }
.st-violated, .st-error { color: var(--bad); font-weight: 600; } .st-proved { color: var(--ok); }
.st-unknown { color: var(--warn); font-weight: 600; } .st-waived { color: var(--muted); }
.controls input, .filters input, .filters select { font: inherit; padding: 3px 6px; }
.filters { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
#heat-wrap { overflow: auto; max-height: 75vh; border: 1px solid var(--line); background: #fff; }
table.heat { border-collapse: collapse; }
table.heat th { position: sticky; background: #fff; font-weight: 500; font-size: 12px;
  white-space: nowrap; z-index: 1; }
table.heat thead th { top: 0; writing-mode: vertical-rl; transform: rotate(180deg);
  padding: 4px 2px; height: 140px; text-align: left; }
table.heat tbody th { left: 0; padding: 0 6px; text-align: right; }
table.heat td { width: 16px; height: 16px; min-width: 16px; border: 1px solid #f0f2f6; padding: 0;
  cursor: pointer; }
table.heat td.self { background: repeating-linear-gradient(45deg,#fff,#fff 3px,#eee 3px,#eee 5px); }
#cell { margin-top: 10px; padding: 10px 12px; border: 1px solid var(--line); background: #fff;
  display: none; }
.finding { border-left: 3px solid var(--line); padding: 4px 12px; margin: 10px 0; background: #fff; }
.finding.violated, .finding.error { border-color: var(--bad); }
.finding.unknown { border-color: var(--warn); } .finding.waived { border-color: #aab; }
.finding pre { margin: 4px 0; white-space: pre-wrap; }
.legend span { display: inline-block; width: 14px; height: 12px; vertical-align: middle;
  border: 1px solid #ccc; margin: 0 2px 0 8px; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sgv-data").textContent);
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { for (var k in attrs) { e.setAttribute(k, attrs[k]); } }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }
  function color(cell) {
    if (!cell) { return ""; }
    if (cell.s === "unknown") { return "#f4c542"; }
    var t = Math.min(1, Math.log(1 + cell.h) / Math.log(1 + data.maxHeat));
    var light = Math.round(88 - 55 * t);
    return "hsl(4, 75%, " + light + "%)";
  }
  function parseService(text) {
    var m = text.trim().toLowerCase().match(/^(tcp|udp)?\s*(\d+)?$/);
    if (!text.trim()) { return null; }
    if (m && (m[1] || m[2])) { return {proto: m[1] || null, port: m[2] ? +m[2] : null}; }
    return {word: text.trim().toLowerCase()};
  }
  function offers(cell, want) {
    if (!want) { return true; }
    if (want.word) { return cell.t.toLowerCase().indexOf(want.word) >= 0; }
    for (var i = 0; i < cell.v.length; i++) {
      var s = cell.v[i];
      if (want.proto && s.protocol !== want.proto) { continue; }
      if (!s.ports) { continue; }
      if (want.port === null) { return true; }
      for (var j = 0; j < s.ports.length; j++) {
        var p = String(s.ports[j]).split("-"), lo = +p[0], hi = +(p[1] || p[0]);
        if (want.port >= lo && want.port <= hi) { return true; }
      }
    }
    return false;
  }
  function drawHeat() {
    var m = data.matrix;
    var wrap = document.getElementById("heat-wrap");
    if (!m || !wrap) { return; }
    var rf = document.getElementById("f-row").value.toLowerCase();
    var cf = document.getElementById("f-col").value.toLowerCase();
    var want = parseService(document.getElementById("f-svc").value);
    var onlyHit = document.getElementById("f-hit").checked;
    var cells = {};
    m.cells.forEach(function (c) { if (offers(c, want)) { cells[c.r + ":" + c.c] = c; } });
    var rows = [], cols = [];
    m.rows.forEach(function (name, i) {
      if (name.toLowerCase().indexOf(rf) < 0) { return; }
      if (onlyHit && !m.cols.some(function (_, j) { return cells[i + ":" + j]; })) { return; }
      rows.push(i);
    });
    m.cols.forEach(function (name, j) {
      if (name.toLowerCase().indexOf(cf) < 0) { return; }
      if (onlyHit && !rows.some(function (i) { return cells[i + ":" + j]; })) { return; }
      cols.push(j);
    });
    var table = el("table", {"class": "heat", "id": "heat"});
    var head = el("thead"), hr = el("tr");
    hr.appendChild(el("th", null, "from \u2193 / to \u2192"));
    cols.forEach(function (j) { hr.appendChild(el("th", {"title": m.cols[j]}, m.cols[j])); });
    head.appendChild(hr); table.appendChild(head);
    var body = el("tbody");
    var shown = 0;
    rows.forEach(function (i) {
      var tr = el("tr");
      tr.appendChild(el("th", null, m.rows[i]));
      cols.forEach(function (j) {
        var c = cells[i + ":" + j];
        var td = el("td");
        if (m.rows[i] === m.cols[j] && m.rows[i].indexOf("instance ") === 0) { td.className = "self"; }
        if (c) {
          td.style.background = color(c);
          td.title = m.rows[i] + " \u2192 " + m.cols[j] + ": " + c.t;
          td.setAttribute("data-cell", i + ":" + j);
          shown++;
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    wrap.replaceChildren(table);
    document.getElementById("heat-count").textContent =
      rows.length + " rows \u00d7 " + cols.length + " columns, " + shown + " pairs connect";
    table.addEventListener("click", function (ev) {
      var td = ev.target.closest("td[data-cell]");
      if (td) { showCell(cells[td.getAttribute("data-cell")]); }
    });
  }
  function showCell(c) {
    var box = document.getElementById("cell"), m = data.matrix;
    box.replaceChildren();
    box.appendChild(el("strong", null, m.rows[c.r] + " \u2192 " + m.cols[c.c]));
    box.appendChild(el("div", null, (c.s === "unknown" ? "may connect (unresolved lists) on " :
                                     "connects on ") + c.t));
    if (c.w) { box.appendChild(el("pre", null, c.w)); }
    box.style.display = "block";
  }
  function drawFindings() {
    var list = document.getElementById("findings");
    if (!list || !data.findings) { return; }
    var f = document.getElementById("f-find").value.toLowerCase();
    var st = document.getElementById("f-status").value;
    var limit = +list.getAttribute("data-limit");
    var hits = data.findings.filter(function (x) {
      return (!st || x.status === st) && (x.control + " " + x.subject + " " + x.text)
        .toLowerCase().indexOf(f) >= 0;
    });
    list.replaceChildren();
    hits.slice(0, limit).forEach(function (x) {
      var d = el("div", {"class": "finding " + x.status});
      var h = el("div");
      h.appendChild(el("span", {"class": "st-" + x.status}, x.status));
      h.appendChild(document.createTextNode(" " + x.control + " \u2014 " + x.subject));
      d.appendChild(h);
      d.appendChild(el("div", {"class": "muted"}, x.title));
      d.appendChild(el("pre", null, x.text));
      list.appendChild(d);
    });
    var more = document.getElementById("more");
    more.style.display = hits.length > limit ? "inline" : "none";
    document.getElementById("find-count").textContent = "showing " + Math.min(limit, hits.length) +
      " of " + hits.length + " matching (" + data.findings.length + " findings)";
  }
  ["f-row", "f-col", "f-svc"].forEach(function (id) {
    var e = document.getElementById(id); if (e) { e.addEventListener("input", drawHeat); }
  });
  var hit = document.getElementById("f-hit"); if (hit) { hit.addEventListener("change", drawHeat); }
  ["f-find", "f-status"].forEach(function (id) {
    var e = document.getElementById(id); if (e) { e.addEventListener("input", drawFindings); }
  });
  var more = document.getElementById("more");
  if (more) {
    more.addEventListener("click", function () {
      var list = document.getElementById("findings");
      list.setAttribute("data-limit", String(+list.getAttribute("data-limit") + 200));
      drawFindings();
    });
  }
  drawHeat();
  drawFindings();
  document.body.setAttribute("data-ready", "yes");
}());
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _json(doc: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(doc, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def _audit_parts(audit: AuditReport) -> tuple[str, list[dict[str, Any]]]:
    rows = []
    for c in audit.controls:
        n = counts(audit.of(c))
        cells = "".join(f'<td class="n"><span class="{("st-" + s) if n[s] else ""}">{n[s]}</span></td>'
                        for s in STATUSES)
        rows.append(f'<tr><td class="mono">{_e(c.id)}</td><td><span class="sev sev-{_e(c.severity)}">'
                    f'{_e(c.severity)}</span></td><td><strong>{_e(c.title)}</strong>'
                    f'<div class="muted">{_e(c.rationale)}</div></td>{cells}</tr>')
    total = counts(audit.results)
    head = "".join(f"<th>{s}</th>" for s in STATUSES)
    foot = "".join(f'<td class="n"><strong>{total[s]}</strong></td>' for s in STATUSES)
    table = (f'<table class="summary" id="controls"><thead><tr><th>id</th><th>severity</th>'
             f'<th>control</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
             f'<tfoot><tr><td></td><td></td><td>all controls</td>{foot}</tr></tfoot></table>')
    findings = []
    for r in audit.results:
        if r.status == "proved":
            continue
        where = f"{r.subject.span}\n" if r.subject.span else ""
        findings.append({"control": r.control.id, "status": r.status, "subject": str(r.subject),
                         "title": f"{r.control.title} ({r.control.severity})",
                         "text": where + "\n".join(detail_lines(r))})
    return table, findings


def _matrix(answer: Answer) -> dict[str, Any]:
    rows = [u.label for u in answer.senders][:MAX_UNITS]
    cols = [u.label for u in answer.receivers][:MAX_UNITS]
    ri = {n: i for i, n in enumerate(rows)}
    ci = {n: i for i, n in enumerate(cols)}
    cells = []
    max_heat = 1
    for p in answer.pairs:
        if p.sender.label not in ri or p.receiver.label not in ci or not (p.evidence or p.sure or p.maybe):
            continue
        witness = "\n".join(witness_lines(p.evidence, p.facts, "witness", indent="")
                            + witness_lines(p.extra, p.extra_facts, "may-reach witness", indent=""))
        mask = (p.sure | p.maybe) if p.sure else p.maybe
        text = p.services()
        if p.sure and p.more:
            text += f"; may also connect on {p.also()} ({not_verified(p)})"
        heat = p.heat()
        max_heat = max(max_heat, heat)
        cells.append({"r": ri[p.sender.label], "c": ci[p.receiver.label],
                      "s": "reachable" if p.sure else "unknown", "h": heat, "t": text,
                      "v": [x for x in p.space.to_json(mask) if x["ports"] is not None],
                      "w": witness})
    return {"rows": rows, "cols": cols, "cells": cells, "maxHeat": max_heat,
            "clipped": max(len(answer.senders), len(answer.receivers)) > MAX_UNITS}


def render_html(audit: AuditReport | None = None, reach: Answer | None = None,
                timing: bool = True) -> str:
    """The report for an audit, a reach answer, or both."""
    title = "sgverify report"
    sub = []
    body: list[str] = []
    data: dict[str, Any] = {"findings": None, "matrix": None, "maxHeat": 1}
    if audit is not None:
        title = f"sgverify audit: {audit.path}"
        table, findings = _audit_parts(audit)
        data["findings"] = findings
        sub.append(f"{len(audit.controls)} controls on {len(audit.policy.groups)} groups and "
                   f"{len(audit.policy.instances)} interfaces")
        if timing:
            sub.append(f"{audit.elapsed:.2f} s")
        body.append('<h2 id="summary">Controls</h2>' + table)
        notes = "".join(f"<li>{_e(n)}</li>" for n in audit.notes)
        if audit.disabled:
            notes += "<li>disabled: " + _e(", ".join(c.id for c in audit.disabled)) + "</li>"
        if notes:
            body.append(f'<ul class="muted">{notes}</ul>')
    if reach is not None:
        if audit is None:
            title = f"sgverify reach: {reach.question}"
        m = _matrix(reach)
        data["matrix"] = m
        data["maxHeat"] = m["maxHeat"]
        clipped = (f'<p class="muted">The map shows the first {MAX_UNITS} rows and columns of '
                   f'{len(reach.senders)} \u00d7 {len(reach.receivers)}; use <code>sgverify reach '
                   '--from/--to</code> for the others.</p>') if m["clipped"] else ""
        extra = ""
        if reach.truncated:
            extra = (f'<p class="muted">{reach.truncated} connecting pairs were counted but not '
                     'worked out (--limit).</p>')
        body.append(
            '<h2 id="matrix">Reachability</h2>'
            f'<p class="muted">{_e(reach.question)} ({"groups" if reach.by == "group" else "instances"}): '
            f'{reach.reachable} of {reach.checked} ordered pairs connect'
            + (f' ({reach.partly_unknown} of them possibly on more services: not verified, '
               'unresolved lists)' if reach.partly_unknown else '') +
            f', {reach.unknown} unknown; '
            'every other pair is proved unable to connect. Darker = more ports. Click a cell '
            'for its services and witness.</p>' + clipped + extra +
            '<div class="filters"><label>from <input id="f-row" placeholder="filter rows"></label>'
            '<label>to <input id="f-col" placeholder="filter columns"></label>'
            '<label>service <input id="f-svc" placeholder="tcp 22, 3306, icmp"></label>'
            '<label><input type="checkbox" id="f-hit" checked> only rows and columns that connect'
            '</label><span class="muted" id="heat-count"></span>'
            '<span class="legend muted">few ports<span style="background:hsl(4,75%,85%)"></span>'
            '<span style="background:hsl(4,75%,60%)"></span><span style="background:hsl(4,75%,33%)">'
            '</span>many<span style="background:#f4c542"></span>unknown</span></div>'
            '<div id="heat-wrap"><p class="muted">The heat map needs JavaScript.</p></div>'
            '<div id="cell" class="mono"></div>')
        body.append('<ul class="muted">' + "".join(f"<li>{_e(n)}</li>" for n in reach.notes) +
                    "<li>Results are about the security groups only: routing between VPCs, NAT and "
                    "public-address translation are outside the model.</li></ul>")
    if audit is not None:
        body.append(
            '<h2 id="findings-head">Findings</h2><p class="muted">Every control result that is not '
            'proved, with its counterexample flow and the rule that decided it.</p>'
            '<div class="filters"><input id="f-find" placeholder="filter: control, group, flow">'
            '<select id="f-status"><option value="">any status</option><option>violated</option>'
            '<option>unknown</option><option>waived</option><option>error</option></select>'
            '<span class="muted" id="find-count"></span></div>'
            '<div id="findings" data-limit="200"></div>'
            '<button id="more" type="button" style="display:none">show more</button>')
    head_line = " \u00b7 ".join(_e(s) for s in sub)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<meta name=\"generator\" content=\"sgverify {_e(__version__)}\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{_e(title)}</h1><div class=\"muted\">{head_line}</div>"
            + "".join(body) +
            f"<script type=\"application/json\" id=\"sgv-data\">{_json(data)}</script>"
            f"<script>{SCRIPT}</script></body></html>\n")


__all__ = ["MAX_UNITS", "render_html"]
