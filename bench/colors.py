"""Can every pair of scheme colours be told apart, and is every text colour readable?

    python bench/colors.py

Prints, for the charts' scheme palette (dashboard/views/kit.py, ``SCHEME_COLORS``): each
colour's contrast on white (WCAG 2), and every pair's colour difference CIEDE2000 in normal
vision and as people with deuteranopia, protanopia and tritanopia see it (Machado, Oliveira &
Fernandes 2009, severity 1), the closest pairs first; then the contrast of the charts' text
colours (``kit.TEXT_COLORS``) on white. tests/test_charts_colors.py holds the thresholds.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

if __name__ == "__main__":  # python bench/colors.py: the repository root on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VISIONS = ("normal", "deutan", "protan", "tritan")
# Machado et al. 2009, severity 1.0, on linear RGB
CVD = {
    "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
               (-0.011820, 0.042940, 0.968881)),
    "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
               (-0.003882, -0.048116, 1.051998)),
    "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
               (0.004733, 0.691367, 0.303900)),
}  # fmt: skip
XYZ = ((0.4124564, 0.3575761, 0.1804375), (0.2126729, 0.7151522, 0.0721750),
       (0.0193339, 0.1191920, 0.9503041))  # fmt: skip
D65 = (0.95047, 1.0, 1.08883)


def rgb(hex_color: str) -> tuple[float, float, float]:
    h = hex_color.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))


def _lin(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _gamma(c: float) -> float:
    c = min(max(c, 0.0), 1.0)
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def luminance(hex_color: str) -> float:
    r, g, b = (_lin(c) for c in rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = "#ffffff") -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def seen(hex_color: str, vision: str = "normal") -> tuple[float, float, float]:
    """The colour in CIELAB (D65) as seen with ``vision``."""
    lin = [_lin(c) for c in rgb(hex_color)]
    if vision != "normal":
        lin = [_lin(_gamma(sum(m * c for m, c in zip(row, lin, strict=True))))
               for row in CVD[vision]]  # fmt: skip
    xyz = [sum(m * c for m, c in zip(row, lin, strict=True)) / w
           for row, w in zip(XYZ, D65, strict=True)]  # fmt: skip
    f = [t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def delta_e(lab1, lab2) -> float:
    """CIEDE2000 colour difference (about 2: just noticeable; over 10: different at a glance)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    cb = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(cb**7 / (cb**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = math.hypot(a1, b1), math.hypot(a2, b2)
    h1, h2 = math.degrees(math.atan2(b1, a1)) % 360, math.degrees(math.atan2(b2, a2)) % 360
    dh = 0.0 if c1 * c2 == 0 else (h2 - h1 + 180) % 360 - 180
    dL, dC = L2 - L1, c2 - c1
    dH = 2 * math.sqrt(c1 * c2) * math.sin(math.radians(dh / 2))
    Lm, cm = (L1 + L2) / 2, (c1 + c2) / 2
    if c1 * c2 == 0:
        hm = h1 + h2
    elif abs(h1 - h2) <= 180:
        hm = (h1 + h2) / 2
    else:
        hm = (h1 + h2 + 360) / 2 if h1 + h2 < 360 else (h1 + h2 - 360) / 2
    cos = [
        math.cos(math.radians(k * hm + shift)) for k, shift in ((1, -30), (2, 0), (3, 6), (4, -63))
    ]
    t = 1 - 0.17 * cos[0] + 0.24 * cos[1] + 0.32 * cos[2] - 0.20 * cos[3]
    rt = (
        -2
        * math.sqrt(cm**7 / (cm**7 + 25**7))
        * math.sin(math.radians(60 * math.exp(-(((hm - 275) / 25) ** 2))))
    )
    sl = 1 + 0.015 * (Lm - 50) ** 2 / math.sqrt(20 + (Lm - 50) ** 2)
    sc, sh = 1 + 0.045 * cm, 1 + 0.015 * cm * t
    return math.sqrt((dL / sl) ** 2 + (dC / sc) ** 2 + (dH / sh) ** 2 + rt * dC / sc * dH / sh)


def pairs(palette: dict[str, str]) -> list[tuple[str, str, dict[str, float]]]:
    """Every pair of the palette with its CIEDE2000 in each vision, closest (normal) first."""
    out = []
    for a, b in itertools.combinations(palette, 2):
        d = {v: delta_e(seen(palette[a], v), seen(palette[b], v)) for v in VISIONS}
        out.append((a, b, d))
    return sorted(out, key=lambda p: p[2]["normal"])


def main() -> int:
    from dashboard.views import kit

    print("== scheme colours: contrast on white (lines and swatches; WCAG asks 3:1) ==")
    for name, color in kit.SCHEME_COLORS.items():
        print(f"   {name:15s} {color}  {contrast(color):5.2f}:1")
    print("\n== every pair, CIEDE2000 in normal vision and three colour-vision deficiencies ==")
    print("   " + "pair".ljust(34) + "".join(v.rjust(8) for v in VISIONS) + "  contrast")
    for a, b, d in pairs(kit.SCHEME_COLORS):
        ratio = contrast(kit.SCHEME_COLORS[a], kit.SCHEME_COLORS[b])
        cells = "".join(f"{d[v]:8.1f}" for v in VISIONS)
        print(f"   {a + ' / ' + b:34s}{cells}  {ratio:6.2f}:1")
    worst = {v: min(d[v] for *_, d in pairs(kit.SCHEME_COLORS)) for v in VISIONS}
    print("   smallest: " + ", ".join(f"{v} {worst[v]:.1f}" for v in VISIONS))
    print("\n== text colours of the charts on white (WCAG AA: 4.5:1) ==")
    for role, color in kit.TEXT_COLORS.items():
        print(f"   {role:15s} {color}  {contrast(color):5.2f}:1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
