"""Draws a `Timeline` as one self-contained HTML page: the data as JSON, styles and script
inline, nothing fetched when it opens (file:// works offline).

The page draws only the rows in view (and a margin), so a log of 10,000 records opens as fast as
a trace of ten steps; lanes, bands and the frontier overview are drawn once. Selecting a step
(click, or the arrow keys / j and k) shows its whole state with the changed variables marked.
Spec source excerpts are highlighted by `pyspec.report.lexer` through Pygments.
"""

from __future__ import annotations

import html
import json
from typing import Any

from pygments import highlight  # type: ignore[import-untyped]
from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
from pygments.lexer import Lexer  # type: ignore[import-untyped]
from pygments.lexers import TextLexer, get_lexer_for_filename  # type: ignore[import-untyped]
from pygments.util import ClassNotFound  # type: ignore[import-untyped]

from pyspec.report.lexer import PyspecLexer
from pyspec.report.timeline import Excerpt, Timeline

__all__ = ["render_html"]


def _data(tl: Timeline) -> dict[str, Any]:
    return {
        "title": tl.title,
        "verdict": tl.verdict,
        "lanes": [[ln.key, ln.label] for ln in tl.lanes],
        # compact rows: lane, label, marks, note, detail, state pairs, changed names, choices, set changes,
        # more tables (caption, pairs)
        "events": [[e.lane, e.label, " ".join(e.marks), e.note, e.detail, [list(p) for p in e.state], list(e.changed),
                    [list(p) for p in e.picks], [list(d) for d in e.delta],
                    [[c, [list(p) for p in rows]] for c, rows in e.tables]]
                   for e in tl.events],
        "arrows": [[a.source, a.target, a.label] for a in tl.arrows],
        "bands": [[b.first, b.last, b.label, b.strong] for b in tl.bands],
        "series": [list(p) for p in tl.series],
        "seriesLabel": tl.series_label,
        "loop": tl.loop,
        "selected": tl.selected,
        "base": tl.number_from,
    }


def _excerpt_html(x: Excerpt) -> str:
    hl = [n - x.first + 1 for n in x.marked]
    fmt = HtmlFormatter(cssclass="src", linenos="inline", linenostart=x.first, hl_lines=hl)
    # stripnl=False: an excerpt that starts at a blank line keeps it, so the line numbers and
    # the marked lines stay those of the file
    lexer: Lexer = PyspecLexer(stripnl=False)
    if not x.file.endswith(".spec"):
        try:
            lexer = get_lexer_for_filename(x.file, stripnl=False)
        except ClassNotFound:
            lexer = TextLexer(stripnl=False)
    return (f'<figure class="excerpt"><figcaption>{html.escape(x.title)}</figcaption>'
            f"{highlight(x.text, lexer, fmt)}</figure>")


def render_html(tl: Timeline) -> str:
    """The page for `tl` (a str to write to a .html file)."""
    data = json.dumps(_data(tl), separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")
    summary = "".join(f"<li>{html.escape(s)}</li>" for s in tl.summary)
    source = "".join(_excerpt_html(x) for x in tl.excerpts)
    if source:
        source = f'<h2>Spec source</h2>{source}'
    pyg = HtmlFormatter(cssclass="src").get_style_defs(".src")
    return _PAGE.format(
        title=html.escape(tl.title),
        verdict=html.escape(tl.verdict),
        verdict_class=html.escape(tl.verdict.replace(" ", "-")),
        summary=summary,
        source=source,
        css=pyg + _CSS,
        data=data,
        script=_SCRIPT,
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
  <div class="headline"><h1>{title}</h1><span class="verdict v-{verdict_class}">{verdict}</span></div>
  <ul class="summary">{summary}</ul>
  <div id="overview"></div>
  <p class="keys">Click a step, or use &uarr;/&darr; (j/k), PgUp/PgDn, Home/End, to see its state.</p>
</header>
<main>
  <section id="chart" tabindex="0" aria-label="timeline: one lane per process, time downwards">
    <div id="head"></div>
    <div id="body"><div id="guides"></div><div id="bands"></div><svg id="arrows" xmlns="http://www.w3.org/2000/svg"></svg><div id="rows"></div></div>
  </section>
  <aside id="detail">
    <div id="selection" aria-live="polite"></div>
    <div id="source">{source}</div>
  </aside>
</main>
<script type="application/json" id="timeline-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{display:flex;flex-direction:column;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232a;background:#fafbfc}
header{flex:none;padding:8px 14px 4px;border-bottom:1px solid #d8dde3;background:#fff}
.headline{display:flex;align-items:center;gap:12px}
h1{font-size:17px;margin:0}
h2{font-size:14px;margin:10px 0 6px}
.verdict{font-weight:700;text-transform:uppercase;padding:2px 8px;border-radius:4px;background:#e3e7eb}
.v-violated,.v-diverges,.v-deadlock,.v-not-inductive{background:#fde2e1;color:#a4161a}
.v-holds,.v-conforms,.v-proved,.v-no-violation-up-to-the-bound{background:#dcf5e3;color:#17663a}
.v-incomplete,.v-unknown{background:#fff1cc;color:#7a5200}
.summary{margin:4px 0;padding-left:18px;color:#3b4450}
.keys{margin:2px 0;color:#69737d;font-size:12px}
#overview svg{display:block;cursor:pointer}
main{flex:1;min-height:0;display:grid;grid-template-columns:minmax(0,1fr) minmax(340px,min(460px,36vw))}
#chart{overflow:auto;position:relative;outline:none;border-right:1px solid #d8dde3}
#chart:focus-visible{box-shadow:inset 0 0 0 2px #4c8dff}
#head{position:sticky;top:0;z-index:5;height:30px;background:#fff;border-bottom:1px solid #d8dde3}
.lane-head,.series-head,.gutter-head{position:absolute;top:0;height:30px;padding:7px 6px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;text-align:center}
.lane-head{border-left:4px solid var(--c)}
.series-head{color:#555;font-weight:500;font-size:12px}
#body{position:relative}
.guide{position:absolute;top:0;bottom:0;width:0;border-left:1px dashed #d5dbe1}
.band{position:absolute;background:rgba(214,40,40,.13);border-top:1px solid rgba(214,40,40,.55);border-bottom:1px solid rgba(214,40,40,.55);pointer-events:none}
.band.weak{background:repeating-linear-gradient(135deg,rgba(214,40,40,.10) 0 6px,transparent 6px 12px)}
.band-label{position:absolute;right:4px;top:1px;font-size:11px;color:#a4161a;background:rgba(255,255,255,.85);padding:0 4px;border-radius:3px}
#arrows{position:absolute;left:0;top:0;pointer-events:none;overflow:visible}
#arrows path{fill:none;stroke:#2f6fd0;stroke-width:1.5}
#arrows path.loop{stroke:#7b3fb3;stroke-dasharray:5 3}
.idx{position:absolute;left:0;width:48px;text-align:right;color:#8a949e;font-size:11px;padding-top:6px;font-variant-numeric:tabular-nums}
.event{position:absolute;height:20px;padding:2px 6px;max-width:none;border-radius:4px;background:#fff;border:1px solid #b8c2cc;border-left:4px solid var(--c);white-space:nowrap;overflow:hidden;text-overflow:ellipsis;cursor:pointer;font-size:12px}
.event:hover{background:#eef4ff}
.event.selected{outline:2px solid #1d4fd7;outline-offset:1px;background:#e6efff;z-index:2}
.event.initial{border-style:dashed;color:#555}
.event.violation,.event.divergence{background:#fde2e1;border-color:#d62828;border-left-color:#d62828;font-weight:700;color:#8b0f12}
.event.stopped{background:#fff1cc;border-color:#c98a00}
.event.loop{box-shadow:0 0 0 2px #7b3fb3}
.event.witness{background:#dcf5e3;border-color:#2b8a3e;border-left-color:#2b8a3e;font-weight:700;color:#17663a}
table.state caption{text-align:left;color:#555;padding:2px 0;font-family:system-ui,sans-serif}
table.state.picks{margin-bottom:8px;background:#eef4ff}
table.state.extra{margin:10px 0 8px;background:#f6f8fa}
.added{color:#17663a}
.removed{color:#a4161a}
details summary{color:#69737d;cursor:pointer;font-family:system-ui,sans-serif;font-size:11px}
.fbar{position:absolute;height:10px;margin-top:8px;background:#8fb3e8;border-radius:2px}
.fnum{position:absolute;font-size:11px;color:#555;padding-top:6px;font-variant-numeric:tabular-nums}
#detail{overflow:auto;padding:8px 14px;background:#fff}
#selection h2{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-word}
.where{color:#555;margin:2px 0}
.note{border-left:4px solid #d62828;background:#fde2e1;padding:6px 8px;margin:6px 0;white-space:pre-wrap}
.note.ok{border-left-color:#2b8a3e;background:#dcf5e3}
pre.raw{background:#f3f5f7;padding:6px;white-space:pre-wrap;word-break:break-all;margin:6px 0}
table.state{border-collapse:collapse;width:100%;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
table.state th{text-align:left;vertical-align:top;padding:2px 12px 2px 0;white-space:nowrap;font-weight:600;width:1%}
table.state td{padding:2px 0;word-break:break-word}
table.state tr.changed{background:#fff4c2}
table.state tr.changed th::after{content:"'";color:#a15c00}
.excerpt{margin:8px 0}
.excerpt figcaption{color:#555;margin-bottom:2px}
.src{background:#f6f8fa;padding:4px 6px;overflow:auto;border-radius:4px}
.src pre{margin:0;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.src .hll{background:#ffd6d6;display:block}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 3px 0 10px;vertical-align:-1px}
"""

_SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("timeline-data").textContent);
  var N = D.events.length, L = D.lanes.length, BASE = D.base || 0;
  var ROW = 26, GUT = 56, SW = D.series.length ? 180 : 0;
  // lanes share the chart's width (at least 96 px each: more lanes scroll sideways)
  var avail = (document.getElementById("chart").clientWidth || 900) - GUT - SW - 24;
  var LW = Math.max(96, Math.min(220, Math.floor(avail / Math.max(1, L))));
  var CHART = GUT + L * LW;  // the right edge of the last lane
  // each row holds one event: its box is as wide as its label, over the neighbouring lanes if
  // need be (never past the last lane: a box near it grows to the left)
  var measure = document.createElement("canvas").getContext("2d"), boxW = [];
  function boxWidth(i) {
    if (boxW[i] === undefined) {
      var e = D.events[i];
      measure.font = (/violation|divergence|witness/.test(e[2]) ? "700 " : "") + "12px system-ui,-apple-system,'Segoe UI',Roboto,sans-serif";
      boxW[i] = Math.min(CHART - GUT - 8, Math.max(LW - 12, Math.ceil(measure.measureText(e[1]).width * 1.08) + 22));
    }
    return boxW[i];
  }
  function boxLeft(i) { return Math.max(GUT + 2, Math.min(laneX(D.events[i][0]) + 6, CHART - 2 - boxWidth(i))); }
  var COLORS = ["#2f6fd0", "#d9480f", "#2b8a3e", "#ae3ec9", "#0c8599", "#e67700", "#5f3dc4", "#c2255c", "#5c940d", "#1864ab"];
  var chart = document.getElementById("chart"), head = document.getElementById("head"), body = document.getElementById("body");
  var rows = document.getElementById("rows"), svg = document.getElementById("arrows"), sel = document.getElementById("selection");
  var width = GUT + L * LW + SW + 16;
  var seriesAt = {};
  D.series.forEach(function (p) { seriesAt[p[0]] = p[1]; });
  var seriesMax = D.series.reduce(function (m, p) { return Math.max(m, p[1]); }, 1);
  var selected = -1, drawn = [-1, -1];

  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; });
  }
  function color(lane) { return D.lanes[lane] && D.lanes[lane][0] === "env" ? "#868e96" : COLORS[lane % COLORS.length]; }
  function laneX(lane) { return GUT + lane * LW; }

  // ---- drawn once: lane heads, guides, bands, overview ----
  var h = '<div class="gutter-head" style="left:0;width:' + GUT + 'px">#</div>';
  var g = "";
  D.lanes.forEach(function (ln, i) {
    h += '<div class="lane-head" style="left:' + laneX(i) + "px;width:" + LW + "px;--c:" + color(i) + '" title="' + esc(ln[1]) + '">' + esc(ln[1]) + "</div>";
    g += '<div class="guide" style="left:' + (laneX(i) + LW / 2) + 'px"></div>';
  });
  if (SW) h += '<div class="series-head" style="left:' + laneX(L) + "px;width:" + SW + 'px" title="' + esc(D.seriesLabel) + '">' + esc(D.seriesLabel) + "</div>";
  head.innerHTML = h;
  head.style.width = body.style.width = width + "px";
  body.style.height = Math.max(1, N) * ROW + 8 + "px";
  document.getElementById("guides").innerHTML = g;
  var b = "";
  D.bands.forEach(function (bd) {
    b += '<div class="band' + (bd[3] ? "" : " weak") + '" style="left:' + GUT + "px;width:" + (L * LW) + "px;top:" + (bd[0] * ROW) +
      "px;height:" + ((bd[1] - bd[0] + 1) * ROW) + 'px" title="' + esc(bd[2]) + '"><span class="band-label">' + esc(bd[2]) + "</span></div>";
  });
  document.getElementById("bands").innerHTML = b;
  svg.setAttribute("width", width);
  svg.setAttribute("height", Math.max(1, N) * ROW + 8);
  drawOverview();

  function drawOverview() {
    if (!D.series.length || N < 2) return;
    var W = 600, H = 54, step = Math.max(1, Math.ceil(D.series.length / W)), pts = [], lm = Math.log(seriesMax + 1);
    for (var k = 0; k < D.series.length; k += step) {
      var p = D.series[k];
      pts.push((p[0] / (N - 1) * W).toFixed(1) + "," + (H - 3 - Math.log(p[1] + 1) / lm * (H - 18)).toFixed(1));
    }
    var marks = "";
    D.bands.forEach(function (bd) {
      marks += '<rect x="' + (bd[0] / (N - 1) * W).toFixed(1) + '" y="0" width="' + Math.max(1, (bd[1] - bd[0]) / (N - 1) * W).toFixed(1) + '" height="' + H + '" fill="rgba(214,40,40,.18)"/>';
    });
    D.events.forEach(function (e, i) {
      if (/divergence|violation|stopped/.test(e[2])) marks += '<line x1="' + (i / (N - 1) * W).toFixed(1) + '" x2="' + (i / (N - 1) * W).toFixed(1) + '" y1="0" y2="' + H + '" stroke="#d62828" stroke-width="2"/>';
    });
    var ov = document.getElementById("overview");
    ov.innerHTML = '<svg width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + " " + H + '" role="img" aria-label="' + esc(D.seriesLabel) +
      ' along the log (log scale)"><rect width="' + W + '" height="' + H + '" fill="#f3f5f7"/>' + marks +
      '<polyline fill="none" stroke="#2f6fd0" stroke-width="1.2" points="' + pts.join(" ") + '"/><text x="4" y="11" font-size="10" fill="#555">' +
      esc(D.seriesLabel) + " (max " + seriesMax.toLocaleString("en-US") + ", log scale)</text></svg>";
    ov.firstChild.addEventListener("click", function (ev) {
      var r = ov.firstChild.getBoundingClientRect();
      select(Math.round((ev.clientX - r.left) / r.width * (N - 1)));
    });
  }

  // ---- drawn per scroll: the rows in view and the arrows that reach them ----
  function render(force) {
    var top = chart.scrollTop, hgt = chart.clientHeight || 600;
    var start = Math.max(0, Math.floor(top / ROW) - 40), end = Math.min(N, Math.ceil((top + hgt) / ROW) + 40);
    if (!force && start === drawn[0] && end === drawn[1]) return;
    drawn = [start, end];
    var out = [];
    for (var i = start; i < end; i++) {
      var e = D.events[i], y = i * ROW;
      out.push('<div class="idx" style="top:' + y + 'px">' + (i + BASE) + "</div>");
      out.push('<div class="event ' + e[2] + (i === selected ? " selected" : "") + '" data-i="' + i + '" style="top:' + (y + 3) + "px;left:" +
        boxLeft(i) + "px;width:" + boxWidth(i) + "px;--c:" + color(e[0]) + '" title="' + esc(e[1]) + '">' + esc(e[1]) + "</div>");
      if (SW && seriesAt[i] !== undefined) {
        var v = seriesAt[i], w = Math.max(2, Math.log(v + 1) / Math.log(seriesMax + 1) * (SW - 50));
        out.push('<div class="fbar" style="top:' + y + "px;left:" + (laneX(L) + 6) + "px;width:" + w.toFixed(1) + 'px"></div><div class="fnum" style="top:' + y + "px;left:" + (laneX(L) + w + 10) + 'px">' + v + "</div>");
      }
    }
    rows.innerHTML = out.join("");
    var p = '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#2f6fd0"/></marker></defs>';
    D.arrows.forEach(function (a) {
      if (a[1] < start || a[0] > end) return;
      p += path(a[0], a[1], "") + "<title>" + esc(a[2]) + "</title></path>";
    });
    if (D.loop !== null && D.loop !== undefined && N) p += path(N - 1, D.loop, "loop") + "<title>lasso: back to step " + (D.loop + BASE) + "</title></path>";
    svg.innerHTML = p;
  }

  function path(s, t, cls) {
    var ls = D.events[s][0], lt = D.events[t][0];
    var x1 = laneX(ls) + LW / 2, y1 = s * ROW + ROW / 2, x2 = laneX(lt) + LW / 2, y2 = t * ROW + ROW / 2, d;
    if (ls === lt || cls) {
      var bend = LW / 2 - 4;
      x1 = boxLeft(s) + boxWidth(s); x2 = boxLeft(t) + boxWidth(t);
      d = "M" + x1 + "," + y1 + " C" + (x1 + bend) + "," + y1 + " " + (x2 + bend) + "," + y2 + " " + x2 + "," + y2;
    } else {  // edge to edge, so the arrow is never hidden under the boxes it joins
      var right = lt > ls;
      x1 = right ? boxLeft(s) + boxWidth(s) : boxLeft(s);
      x2 = right ? boxLeft(t) : boxLeft(t) + boxWidth(t);
      if (right ? x2 < x1 + 12 : x2 > x1 - 12) {  // wide boxes overlap: leave from the side and bend round
        x1 = boxLeft(s) + boxWidth(s); x2 = boxLeft(t) + boxWidth(t);
        var out = Math.max(x1, x2) + 24;
        d = "M" + x1 + "," + y1 + " C" + out + "," + y1 + " " + out + "," + y2 + " " + x2 + "," + y2;
        return '<path class="' + cls + '" d="' + d + '" marker-end="url(#head)">';
      }
      var mid = (x1 + x2) / 2;
      d = "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2;
    }
    return '<path class="' + cls + '" d="' + d + '" marker-end="url(#head)">';
  }

  // ---- selection ----
  function select(i) {
    if (!N) return;
    i = Math.max(0, Math.min(N - 1, i));
    selected = i;
    var y = i * ROW, view = chart.clientHeight - 30;
    if (y < chart.scrollTop || y + ROW > chart.scrollTop + view) chart.scrollTop = Math.max(0, y - view / 2);
    render(true);
    var e = D.events[i], lane = D.lanes[e[0]];
    var s = "<h2>" + (i + BASE) + ": " + esc(e[1]) + "</h2>";
    s += '<p class="where">lane: ' + esc(lane ? lane[1] : "") + (seriesAt[i] !== undefined ? "; " + esc(D.seriesLabel) + ": " + seriesAt[i] : "") + "</p>";
    if (e[3]) s += '<div class="note' + (/witness/.test(e[2]) ? " ok" : "") + '">' + esc(e[3]) + "</div>";
    if (e[4]) s += '<pre class="raw">' + esc(e[4]) + "</pre>";
    if (e[7] && e[7].length) {
      s += '<table class="state picks"><caption>chosen by this step (the engine\'s path)</caption><tbody>';
      e[7].forEach(function (kv) {
        s += '<tr data-pick="' + esc(kv[0]) + '"><th>' + esc(kv[0]) + "</th><td>" + esc(kv[1]) + "</td></tr>";
      });
      s += "</tbody></table>";
    }
    if (e[5].length) {
      var changed = {}, delta = {};
      e[6].forEach(function (n) { changed[n] = true; });
      (e[8] || []).forEach(function (d) { delta[d[0]] = d; });
      s += '<table class="state"><tbody>';
      e[5].forEach(function (kv) {
        var d = delta[kv[0]], cell = esc(kv[1]);
        if (d) {  // a set: what the step added and removed, the whole value folded
          cell = (d[1] ? '<div class="added">+ ' + esc(d[1]) + "</div>" : "") + (d[2] ? '<div class="removed">&minus; ' + esc(d[2]) + "</div>" : "") +
            '<details><summary>whole value</summary>' + esc(kv[1]) + "</details>";
        }
        s += '<tr class="' + (changed[kv[0]] ? "changed" : "") + '" data-var="' + esc(kv[0]) + '"><th>' + esc(kv[0]) + "</th><td>" + cell + "</td></tr>";
      });
      s += "</tbody></table>";
      if (e[6].length) s += '<p class="where">changed by this step (highlighted): ' + esc(e[6].join(", ")) + "</p>";
    }
    (e[9] || []).forEach(function (tb) {
      s += '<table class="state extra"><caption>' + esc(tb[0]) + "</caption><tbody>";
      tb[1].forEach(function (kv) { s += '<tr data-var="' + esc(kv[0]) + '"><th>' + esc(kv[0]) + "</th><td>" + esc(kv[1]) + "</td></tr>"; });
      s += "</tbody></table>";
    });
    sel.innerHTML = s;
    sel.dataset.index = String(i);
  }

  rows.addEventListener("click", function (ev) {
    var t = ev.target.closest(".event");
    if (t) { select(+t.dataset.i); chart.focus({preventScroll: true}); }
  });
  document.addEventListener("keydown", function (ev) {
    var k = ev.key, d = {ArrowDown: 1, j: 1, ArrowUp: -1, k: -1, PageDown: 20, PageUp: -20}[k];
    if (d !== undefined) select((selected < 0 ? 0 : selected) + d);
    else if (k === "Home") select(0);
    else if (k === "End") select(N - 1);
    else return;
    ev.preventDefault();
  });
  var pending = false;
  chart.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; render(false); });
  });

  render(true);
  select(D.selected === null || D.selected === undefined ? 0 : D.selected);
  window.__timeline = {lanes: L, events: N, select: select};
  window.__renderMs = performance.now();
  document.body.dataset.ready = "1";
})();
"""
