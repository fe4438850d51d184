"""A training run's loss curve as a small standalone SVG: the loss of every step in light
blue, its moving average in dark blue, the validation loss as a dashed line when known.

Hand-written (about forty lines) rather than matplotlib, which would add a large dependency to
draw one polyline; any browser or image viewer opens the file.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

W, H, PAD = 560, 260, 40


def _smooth(values: list[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, v in enumerate(values):
        total += v - (values[i - window] if i >= window else 0.0)
        out.append(total / min(i + 1, window))
    return out


def loss_svg(losses: list[float], validation: float | None = None, title: str = "") -> str:
    if not losses:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}"></svg>'
    lo = min([*losses, validation if validation is not None else losses[0]])
    hi = max(losses)
    span = max(hi - lo, 1e-9)
    n = max(len(losses) - 1, 1)

    def x(i: int) -> float:
        return PAD + i / n * (W - 2 * PAD)

    def y(v: float) -> float:
        return H - PAD - (v - lo) / span * (H - 2 * PAD)

    def line(values: list[float]) -> str:
        return " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))

    smooth = _smooth(losses, max(1, len(losses) // 20))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'font-family="sans-serif" font-size="12">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#999"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#999"/>',
        f'<polyline fill="none" stroke="#93c5fd" stroke-width="1" points="{line(losses)}"/>',
        f'<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="{line(smooth)}"/>',
        f'<text x="{PAD}" y="24">{escape(title)} 학습 손실 {smooth[0]:.3f} → {smooth[-1]:.3f}'
        f" ({len(losses)} steps)</text>",
        f'<text x="4" y="{y(hi) + 4:.1f}">{hi:.2f}</text>',
        f'<text x="4" y="{y(lo) + 4:.1f}">{lo:.2f}</text>',
        f'<text x="{W - PAD - 30}" y="{H - 12}">step {len(losses)}</text>',
    ]
    if validation is not None:
        parts.append(
            f'<line x1="{PAD}" y1="{y(validation):.1f}" x2="{W - PAD}" y2="{y(validation):.1f}" '
            'stroke="#dc2626" stroke-dasharray="6 4"/>'
            f'<text x="{W - PAD - 150}" y="{y(validation) - 6:.1f}" fill="#dc2626">'
            f"검증 손실 {validation:.3f}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_loss_svg(
    path: Path, losses: list[float], validation: float | None = None, title: str = ""
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".svg.partial")
    partial.write_text(loss_svg(losses, validation, title), encoding="utf-8")
    partial.replace(path)
    return path
