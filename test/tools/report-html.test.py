"""Opens rapidc's HTML report (report-html.test) in headless Chromium: the
page must load with no console errors and no external requests, the DOM
Chromium built must hold one stacked bar per layer kernel, and the
screenshot must show the breakdown's colours (the chart rendered)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

from PIL import Image

html, png = sys.argv[1], sys.argv[2]
text = open(html, encoding="utf-8").read()
# Self-contained: no scripts, stylesheets, images or fonts to fetch.
assert not re.search(r"<(script|link|img|iframe)\b", text), "external or active content"
assert not re.search(r"\b(src|href)\s*=", text), "a reference to another resource"

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    sys.exit("chromium not found: scripts/setup.sh installs Debian's chromium")
url = "file://" + os.path.abspath(html)
with tempfile.TemporaryDirectory() as profile:
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
            "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run(base + ["--dump-dom", url], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr
    shot = subprocess.run(base + ["--window-size=1280,2400",
                                  "--screenshot=" + os.path.abspath(png), url],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr
for log in (dom.stderr, shot.stderr):
    # Page errors reach the console log as CONSOLE(...) lines.
    errors = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l]
    assert not errors, errors

# The DOM as Chromium parsed it: one label per layer kernel in the chart.
svg = dom.stdout[dom.stdout.index('<svg id="chart"'):dom.stdout.index("</svg>")]
bars = svg.count('text-anchor="end"')
segments = svg.count("<rect")
rows = text.count("<tr>") - 2  # the breakdown table's header row and values
assert bars > 0 and bars == rows - 1, (bars, rows)
assert segments >= bars, (segments, bars)

# The screenshot: the MAC-compute green and at least three other breakdown
# colours each cover a visible area.
colours = {"mac": (0x2e, 0x7d, 0x32), "under-use": (0xf9, 0xa8, 0x25),
           "bubble": (0x8d, 0x6e, 0x63), "visible": (0x15, 0x65, 0xc0),
           "non-overlapped": (0xc6, 0x28, 0x28), "aux": (0x6a, 0x1b, 0x9a)}
image = Image.open(png).convert("RGB")
counts = dict.fromkeys(colours, 0)
for n, pixel in image.getcolors(maxcolors=1 << 24):
    for name, rgb in colours.items():
        if all(abs(a - b) <= 6 for a, b in zip(pixel, rgb)):
            counts[name] += n
assert counts["mac"] > 200, counts
assert sum(1 for n in counts.values() if n > 200) >= 4, counts
print("html report ok: %d bars, %d segments" % (bars, segments))
