"""Local web pages for Firefox scenarios: two pages that link to each other through a big link at the same
place (so the same click navigates back and forth), and a report page whose table and chart are rendered by
script after load (a fetch, then a timer), as many real pages do."""

from __future__ import annotations

import json
from pathlib import Path

# Where the big links sit in the page (CSS pixels from the viewport's top-left corner).
NAV_LINK_BOX = (40, 150, 640, 330)  # left, top, right, bottom
REPORT_LINK_BOX = (700, 150, 1100, 330)

STYLE = """
body { margin: 0; font: 18px/1.5 "DejaVu Sans", sans-serif; background: %(bg)s; color: #222; }
h1 { margin: 0; padding: 30px 40px; height: 60px; font-size: 40px; background: %(band)s; color: white; }
a.big { position: absolute; display: block; box-sizing: border-box; padding: 40px; font-size: 32px;
        border-radius: 12px; text-decoration: none; color: white; }
p { position: absolute; left: 40px; right: 40px; top: 360px; }
"""


def _box_style(box: tuple[int, int, int, int], color: str) -> str:
    left, top, right, bottom = box
    return f"left:{left}px;top:{top}px;width:{right - left}px;height:{bottom - top}px;background:{color}"


def _page(title: str, bg: str, band: str, link_to: str, link_text: str, body: str) -> str:
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title><style>{STYLE % {"bg": bg, "band": band}}</style>
</head><body><h1>{title}</h1>
<a class="big" id="nav" href="{link_to}" style="{_box_style(NAV_LINK_BOX, band)}">{link_text}</a>
<a class="big" id="report" href="report.html" style="{_box_style(REPORT_LINK_BOX, "#555")}"
>Open the report</a>
<p>{body}</p></body></html>
"""


LOREM = " ".join(
    f"Paragraph text number {i} that fills the page so that a navigation repaints most of the screen."
    for i in range(12)
)

REPORT = """<!doctype html>
<html><head><meta charset="utf-8"><title>Report</title><style>
body { margin: 0; font: 16px/1.4 "DejaVu Sans", sans-serif; background: #f4fff4; }
h1 { margin: 0; padding: 20px 40px; font-size: 32px; background: #2a7a2a; color: white; }
#status { padding: 10px 40px; }
table { margin: 0 40px; border-collapse: collapse; }
td, th { border: 1px solid #8a8; padding: 4px 14px; }
canvas { position: absolute; left: 760px; top: 120px; }
</style></head><body><h1>Quarterly report</h1><div id="status">Loading…</div><table id="rows"></table>
<canvas id="chart" width="420" height="360"></canvas>
<script>
addEventListener("load", async () => {
  const rows = await (await fetch("data.json")).json();
  document.getElementById("rows").innerHTML =
    "<tr><th>Region</th><th>Units</th><th>Revenue</th></tr>" +
    rows.map(r => `<tr><td>${r.region}</td><td>${r.units}</td><td>${r.revenue}</td></tr>`).join("");
  document.getElementById("status").textContent = rows.length + " regions";
  setTimeout(() => {
    const ctx = document.getElementById("chart").getContext("2d");
    rows.forEach((r, i) => { ctx.fillStyle = `hsl(${i * 29}, 60%, 45%)`;
                             ctx.fillRect(10 + i * 34, 350 - r.units / 4, 28, r.units / 4); });
  }, 250);
});
</script></body></html>
"""


def write_pages(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    pages = {
        "a.html": _page("Page A", "#e8f0ff", "#2050a0", "b.html", "Go to page B", LOREM),
        "b.html": _page("Page B", "#fff4d6", "#a05a10", "a.html", "Back to page A", LOREM.upper()),
        "report.html": REPORT,
    }
    for name, text in pages.items():
        (root / name).write_text(text)
    rows = [
        {"region": f"Region {i}", "units": 300 + 97 * i % 900, "revenue": 1000 + 313 * i} for i in range(12)
    ]
    (root / "data.json").write_text(json.dumps(rows))
