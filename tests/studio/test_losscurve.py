"""The loss curve a user opens: valid SVG, the raw and smoothed lines, the validation loss."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from haneul.studio.losscurve import loss_svg, write_loss_svg

NS = "{http://www.w3.org/2000/svg}"


def test_the_curve_is_svg_with_both_lines_inside_the_frame(tmp_path: Path) -> None:
    losses = [3.0 / (1 + i / 10) for i in range(120)]
    path = write_loss_svg(tmp_path / "loss.svg", losses, 0.42, title="<하늘 & 바다>")
    root = ET.parse(path).getroot()
    lines = root.findall(f"{NS}polyline")
    assert len(lines) == 2
    for line in lines:
        points = [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]
        assert len(points) == 120
        assert all(0 <= x <= 560 and 0 <= y <= 260 for x, y in points)
        assert points[0][1] > points[-1][1] - 200 and points[-1][1] > points[0][1]  # falls
    text = " ".join(t.text or "" for t in root.iter(f"{NS}text"))
    assert "<하늘 & 바다>" in text and "검증 손실 0.420" in text and "120 steps" in text
    assert not list(tmp_path.glob("*.partial"))


def test_no_steps_yet_is_an_empty_picture() -> None:
    assert ET.fromstring(loss_svg([])).tag == f"{NS}svg"
    assert ET.fromstring(loss_svg([1.0])).findall(f"{NS}polyline")
