"""What every figure module shares: its words' translation, how it prints a number, the house
style of a chart (large fonts, the legend in rows above the plot) and the CSS of the rows that
set charts side by side. No streamlit here; the colours are ui.palette's.

A figure module declares its texts as WORDS (English msgids) and gets its `translated(_)` from
`translator(WORDS)`; the page translates them once and hands them to the builders.
"""

from __future__ import annotations

from ui import palette

FONT_SIZE = 16          # px: a chart's text; a module for the lecture hall adds to it
MINUS = "\u2212"        # −, the minus sign: "-" is a hyphen, shorter than the + it pairs with
MARGIN = dict(t=30, l=10, r=10, b=10)
# the axes' numbers and titles: streamlit's chart theme greys them to #808495 (3.7:1 on white,
# under WCAG's 4.5:1 for text); the palette's soft text is 12.6:1
AXIS_TEXT = palette.TEXT_SOFT


def translator(words):
    """The function gettext -> `words` (a dict of msgids) in the language of gettext: a figure
    module's `translated = translator(WORDS)`, which the page calls as translated(_)."""
    def translated(gettext):
        """WORDS in the language of `gettext` (a function msgid -> text)."""
        return {k: gettext(v) for k, v in words.items()}
    return translated


def fmt(x, digits=3):
    """A number as the pages print one, the same in both languages: `digits` significant digits,
    a negative one with a real minus sign, an exponent as Python and the URL write it:
    0.0123, −3.4, 1.5e-05 (digits=3)."""
    text = f"{float(x):.{digits}g}"
    return MINUS + text[1:] if text.startswith("-") else text


def style(fig, size=FONT_SIZE, *, height=None, legend=-2, ticks=-3, titles=-1, margin=MARGIN,
          automargin=True, **axes):
    """Large fonts, hover labels as large; the legend in rows at the top, above the plot, never
    over it. legend, ticks, titles: their font sizes, in px from `size`; `axes`: more settings of
    both axes (zeroline=True). Returns fig."""
    layout = dict(font=dict(size=size), hoverlabel=dict(font_size=size), margin=margin,
                  legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0.0,
                              font=dict(size=size + legend)))
    if height is not None:
        layout["height"] = height
    fig.update_layout(**layout)
    # streamlit's chart theme sets its own small axis fonts: set ours on each axis
    axis = dict(axes, tickfont=dict(size=size + ticks, color=AXIS_TEXT),
                title_font=dict(size=size + titles, color=AXIS_TEXT))
    if automargin:
        axis["automargin"] = True
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    return fig


# ---- rows of charts -----------------------------------------------------------------------------
# two charts side by side where each gets its basis, else one above the other (st.columns would
# squeeze both down to 640 px of window first). A horizontal container's flex items are the
# wrappers around its children, hence :has.

def flex_item(row, key):
    """The selector of the flex item that holds the container `key` in the horizontal container `row`."""
    return f".st-key-{row} > div:has(> .st-key-{key})"


def flex_css(*items):
    """A <style> that gives each (selector, grow, basis px) flex `grow 1 basis` and at least
    min(basis, 100%): side by side where each item gets its basis, one above the other below it."""
    rules = "\n".join(f"{sel} {{ flex: {grow} 1 {basis}px; min-width: min({basis}px, 100%); }}"
                      for sel, grow, basis in items)
    return f"<style>\n{rules}\n</style>"
