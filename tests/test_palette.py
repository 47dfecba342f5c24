"""The palette survives colour-vision deficiency, and stays the one place colours are chosen.

Simulation: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
color vision deficiency", severity 1.0, applied in linear RGB (sRGB decode, matrix, clip, encode).
Distance: CIELAB (D65), ΔE = CIE76 (Euclidean). Contrast: WCAG 2 relative luminance.

`python -m tests.test_palette` prints the smallest ΔE per chart and deficiency, and each colour's
contrast on white (the figures in /work/notes/palette.md).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from ui import palette

ROOT = Path(__file__).resolve().parent.parent
MIN_DE = 20.0

MACHADO = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779],
                            [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])


def rgb(hex_colour):
    """'#rrggbb' -> sRGB in [0, 1], shape (3,)."""
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255.0


def decode(c):
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def encode(c):
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)


def simulate(srgb, kind):
    """sRGB (..., 3) as seen with the deficiency `kind` (a MACHADO key), sRGB (..., 3)."""
    lin = decode(np.asarray(srgb, float)) @ MACHADO[kind].T
    return encode(np.clip(lin, 0.0, 1.0))


def lab(srgb):
    """sRGB (..., 3) -> CIELAB (..., 3), D65 white."""
    xyz = decode(np.asarray(srgb, float)) @ SRGB_TO_XYZ.T / D65
    d = 6 / 29
    f = np.where(xyz > d ** 3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
                    axis=-1)


def delta_e(a, b, kind="normal"):
    """CIE76 distance between two '#rrggbb' colours as seen with `kind`."""
    return float(np.linalg.norm(lab(simulate(rgb(a), kind)) - lab(simulate(rgb(b), kind))))


def hue(colour):
    """The hue of "#rrggbb" in degrees."""
    import colorsys
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return round(colorsys.rgb_to_hsv(r, g, b)[0] * 360)


def contrast(a, b=palette.WHITE):
    """WCAG contrast ratio of two '#rrggbb' colours, 1 to 21."""
    lum = [float(decode(rgb(c)) @ [0.2126, 0.7152, 0.0722]) for c in (a, b)]
    return (max(lum) + 0.05) / (min(lum) + 0.05)


def closest_pair(colours, kind):
    """(ΔE, name, name): the two of `colours` (name -> '#rrggbb', or role names of the palette)
    nearest each other as seen with `kind`."""
    if not isinstance(colours, dict):
        colours = {role: getattr(palette, role) for role in colours}
    return min((delta_e(colours[a], colours[b], kind), a, b)
               for a, b in itertools.combinations(colours, 2))


def test_reference_values():
    # the simulation against values by hand: white and black are fixed points of every
    # matrix (each row sums to 1); pure red under deuteranopia is a dark olive
    for kind in MACHADO:
        assert np.allclose(simulate(rgb("#ffffff"), kind), 1.0, atol=1e-3)
        assert np.allclose(simulate(rgb("#000000"), kind), 0.0)
    assert np.allclose(lab(rgb("#ffffff")), [100, 0, 0], atol=0.01)
    assert np.allclose(lab(rgb("#ff0000")), [53.24, 80.09, 67.20], atol=0.05)
    red = simulate(rgb("#ff0000"), "deuteranopia")
    assert red[0] > red[1] > red[2] and red[0] < 0.75
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#777777") == pytest.approx(4.48, abs=0.01)


def test_checker_rejects_the_old_red_and_green():
    # the old parameter chart: w2 red (#d62728), b green (#2ca02c): far apart for normal
    # vision, one line under deuteranopia; the checker must say so
    assert delta_e("#d62728", "#2ca02c") > 60
    assert delta_e("#d62728", "#2ca02c", "deuteranopia") < MIN_DE
    old = {"w1": "#1f77b4", "w2": "#d62728", "b": "#2ca02c"}
    assert closest_pair(old, "normal")[0] >= MIN_DE
    de, a, b = closest_pair(old, "deuteranopia")
    assert de < MIN_DE and {a, b} == {"w2", "b"}


@pytest.mark.parametrize("kind", list(MACHADO))
@pytest.mark.parametrize("chart", list(palette.CHARTS))
def test_series_drawn_together_stay_apart(chart, kind):
    roles = palette.CHARTS[chart]
    assert len(roles) >= 2 and len(set(roles)) == len(roles)
    de, a, b = closest_pair(roles, kind)
    assert de >= MIN_DE, f"{chart}: {a} and {b} are ΔE {de:.1f} apart with {kind}"


def test_series_colours_stand_out_from_white():
    # WCAG 1.4.11: graphical objects 3:1 against the background; the sky-blue cloud of batch
    # means and the white edge line on the heat map are the declared exceptions
    exempt = {"SAMPLES", "EDGE"}
    for chart, roles in palette.CHARTS.items():
        for role in set(roles) - exempt:
            assert contrast(getattr(palette, role)) >= 3.0, (chart, role)
    assert contrast(palette.ALERT) >= 4.5 and contrast(palette.BACKWARD, palette.BOX_DONE) >= 4.5


def test_live_charts_get_their_colours_from_the_palette():
    c = palette.live()
    assert c["params"][:2] == [palette.W1, palette.W2] and c["b"] == palette.B
    # the parameters' names at their lines' ends are text: 4.5:1 on white, each its line's hue
    assert len(c["params_text"]) == len(c["params"])
    assert all(contrast(t) >= 4.5 for t in c["params_text"])
    assert [hue(t) // 20 for t in c["params_text"]] == [hue(p) // 20 for p in c["params"]]
    assert len(set(c["compared_dashes"])) == len(c["compared_dashes"]) >= 5      # MAX_GHOSTS runs
    from core import settings as S
    from core.run import Run
    from ui import live
    values, _ = S.parse_settings({})
    m = live.meta(Run(values))
    assert m["colors"] == c
    assert m["labels"] == ["w₁", "w₂", "b"]


# ---- the palette is the one place ---------------------------------------------------------------

FIGURES = ["ui/compare_figures.py", "ui/inside_figures.py", "ui/landscape_figures.py",
           "ui/parabola_figures.py", "static/live_charts.js"]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b")
FUNC = re.compile(r"\b(?:rgba?|hsla?)\s*\(")
NAMES = ("red", "green", "blue", "black", "white", "gray", "grey", "orange", "purple", "yellow", "brown",
         "pink", "cyan", "magenta", "navy", "teal", "olive", "maroon", "silver", "gold", "lightgray",
         "lightgrey", "darkgray", "darkgrey", "dimgray", "lightblue", "darkblue", "darkred",
         "darkgreen", "transparent",
         # plotly's named colour scales
         "Viridis", "Blues", "Greens", "Reds", "Greys", "Cividis", "Plasma", "Inferno", "Magma", "RdBu")
NAMED = re.compile("[\"'](" + "|".join(NAMES) + ")[\"']", re.I)


def colour_literals(text):
    """The colour literals in source text: hex, rgb()/rgba()/hsl(), named colours and scales."""
    return HEX.findall(text) + FUNC.findall(text) + NAMED.findall(text)


def test_the_grep_finds_what_it_looks_for():
    sample = 'color="#d62728", c="#555", "rgba(255,255,255,0.8)", color="white", scale="Viridis"'
    assert len(colour_literals(sample)) == 5
    assert colour_literals('x = "#" + str(n); name = "w1"; "Blue whale"') == []


@pytest.mark.parametrize("path", FIGURES)
def test_no_colour_outside_the_palette(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    # a <span style='color:{...}'> in the graph's labels names a palette role, not a colour
    assert colour_literals(text) == [], f"{path} has colours of its own: use ui/palette.py"


@pytest.mark.parametrize("path", [p for p in FIGURES if p.endswith(".py")])
def test_roles_a_figure_module_uses_are_declared(path):
    # a role a figure draws with must sit in some chart's set, so the ΔE test covers it;
    # the neutrals (text, grids, fills) are not series
    text = (ROOT / path).read_text(encoding="utf-8")
    used = set(re.findall(r"\bP\.([A-Z][A-Z0-9_]*)\b", text))
    declared = set().union(*palette.CHARTS.values())
    neutral = {"WHITE", "CLEAR", "TEXT", "TEXT_SOFT", "LABEL_BG", "GRID", "ZERO_LINE", "IDLE", "BOX",
               "BOX_DONE", "CONTOUR_LINE", "CONTOUR_LINE_GREEN", "LANDSCAPE_SCALE", "MAP_SCALE",
               "MISSING_BG", "REGIONS", "ALERT", "DASHES", "BACKEND_DASH", "PATH_SYMBOLS", "PATH_DASH"}
    aliases = {"SPREAD_1", "SPREAD_B", "OPTIMUM", "THIS_BATCH", "MINIMUM", "STABLE_BOUND"}
    # a table (kind -> colour, dash or marker): its colours must be declared roles' colours
    declared_colours = {getattr(palette, r) for r in declared}
    tables = set()
    for name in used - neutral:
        value = getattr(palette, name, None)
        if isinstance(value, dict | list | tuple):
            items = value.values() if isinstance(value, dict) else value
            colours = [v for v in items if isinstance(v, str) and HEX.fullmatch(v)]
            assert set(colours) <= declared_colours, (name, sorted(set(colours) - declared_colours))
            tables.add(name)
    assert used, f"{path} uses no palette roles"
    unknown = used - declared - neutral - aliases - tables
    assert not unknown, sorted(unknown)


def main():
    print(f"{'chart':20} " + " ".join(f"{k:>24}" for k in MACHADO))
    for chart, roles in palette.CHARTS.items():
        cells = []
        for kind in MACHADO:
            de, a, b = closest_pair(roles, kind)
            cells.append(f"{de:5.1f} {a[:8]}/{b[:8]}".rjust(24))
        print(f"{chart:20} " + " ".join(cells))
    print()
    seen = {}
    for roles in palette.CHARTS.values():
        for r in roles:
            seen.setdefault(getattr(palette, r), []).append(r)
    for name in ("ALERT", "BACKWARD"):
        seen.setdefault(getattr(palette, name), []).append(name)
    for colour, roles in sorted(seen.items()):
        print(f"{colour}  {contrast(colour):5.2f}:1 on white  {', '.join(sorted(set(roles)))}")


if __name__ == "__main__":
    main()
