"""Every colour the charts use, by role: the one place a colour is chosen.

Based on Okabe & Ito's palette (Wong, "Points of view: Color blindness", Nature Methods 8, 441,
2011). Lines on the white plot use its four darkest hues (black, blue, vermillion, reddish purple),
all at least 3:1 against white (WCAG 1.4.11), plus a neutral grey; yellow, sky blue and orange are
too pale for a thin line (1.3, 2.3, 2.2:1) and appear only as fills or a cloud of points. No two
series drawn together are closer than ΔE 20 (CIELAB, CIE76) for normal vision or under simulated
protanopia, deuteranopia or tritanopia (Machado et al. 2009): CHARTS declares which roles are drawn
together on each chart, and tests/test_palette.py checks exactly those sets.

Colour is never the only cue: DASHES and SYMBOLS give each compared series a second one, and the
charts label the series at their line ends.

The figure builders (ui/*_figures.py) import the roles; the live charts (static/live_charts.js)
get theirs from live() in the payload's meta, so the browser code holds no colour of its own.
"""

from __future__ import annotations

# ---- Okabe-Ito ---------------------------------------------------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
# not Okabe-Ito: a grey for reference lines (7.5:1 on white), and a darker vermillion for text,
# which needs 4.5:1 (vermillion itself has 3.9:1)
GREY = "#555555"
VERMILLION_TEXT = "#B34B00"
REDDISH_PURPLE_TEXT = "#A6487E"             # 5.5:1 (reddish purple itself has 3.1:1)

# ---- neutrals: what is not a series (backgrounds, grids, text, outlines) ------------------------
WHITE = "#ffffff"
CLEAR = "rgba(0,0,0,0)"
TEXT = "#222222"
TEXT_SOFT = "#333333"
LABEL_BG = "rgba(255,255,255,0.85)"          # behind a label drawn over lines
GRID = "#eeeeee"
ZERO_LINE = "#cccccc"
IDLE = "#b8b8b8"                             # a part of the graph the step has not reached yet
PLOT_BG_LIVE = "#fafafa"
MISSING_BG = "#eeeeee"                       # a heat map's blank (failed) cells
BOX = "#ffffff"
BOX_DONE = "#eef3fb"
CONTOUR_LINE = "#888888"
CONTOUR_LINE_SOFT = "rgba(0,0,0,0.2)"
CONTOUR_LINE_GREEN = "#6a9a6a"
# sequential fills behind the series (light, so every series colour stays readable on them)
LANDSCAPE_SCALE = [[0.0, "#f7fcf5"], [0.35, "#c7e9c0"], [0.7, "#74c476"], [1.0, "#238b45"]]
PATH_SCALE = [[0.0, "#f4f9ff"], [1.0, "#5b9bd5"]]
MAP_SCALE = "Viridis"                        # perceptually uniform, readable with every CVD
# the learning-rate regions, pale fills (each also named in words on the chart)
REGIONS = {"creeping": "#c6dbef", "fast": "#c7e9c0", "oscillating": "#fdd0a2", "diverging": "#fcbba1"}

# ---- roles --------------------------------------------------------------------------------------
# the main page's live charts
BATCH_LOSS = BLUE
FULL_LOSS = VERMILLION                      # the full-data loss at each epoch's end
NOISE_FLOOR = BLACK                         # dotted
SHORT_BATCH = REDDISH_PURPLE                # rings: the smaller last batch of an epoch
COMPARED = GREY                             # earlier runs kept to compare: one grey, DASHES apart
W1, W2, W3 = BLUE, VERMILLION, REDDISH_PURPLE
B = BLACK
# w4 ... w10 repeat W1..W3 (four colours are all that stay apart under every deficiency);
# the label at each line's end tells them apart
PARAMS = (W1, W2, W3)
# each parameter's name at its line's end is text: the same hues, dark enough for 4.5:1 on white
PARAMS_TEXT = (W1, VERMILLION_TEXT, REDDISH_PURPLE_TEXT)
TRUE = BLUISH_GREEN                         # the true (w, b): a cross on the path chart
LEAST_SQUARES = BLACK                       # the optimum: a star
SGD_PATH = VERMILLION
DATA = BLUE
DATA_POINTS = "rgba(0,114,178,0.5)"          # BLUE, half transparent: many points over each other
MODEL = VERMILLION
PERFECT = BLACK                             # ŷ = y, dashed
CURVE = GREY                                # y = x²/2
ITERATES = BLUE
CURRENT = VERMILLION                        # x_k now
TANGENT = REDDISH_PURPLE                    # dashed
STEP = BLACK                                # the step −lr·f'(x_k), an arrow
MINIMUM = BLACK
ALERT = VERMILLION_TEXT                     # a note that something left the chart
# the parabola page's momentum section: the (lr, β) map on MAP_SCALE, the runs beside each other
PLAIN_GD_RUN = BLUE                         # plain gradient descent (β = 0): circles
MOMENTUM_RUN = VERMILLION                   # momentum at the chosen (lr, β): a star on the map
RATE_ONE = BLACK                            # rate = 1, where divergence starts (hatched beyond)

# the page "NumPy beside MindSpore"
NUMPY = BLUE                                # solid
MINDSPORE_GRAPH = VERMILLION                # dashed
MINDSPORE_PYNATIVE = BLACK                  # open circles
FLOAT32_EPS = GREY                          # dashed

# the page "One step, inside"
FORWARD = BLUE
BACKWARD = VERMILLION_TEXT                  # the gradients are text too: 4.5:1
FOCUS = BLACK                               # the node or edge of the current stage (thicker)
SAMPLES = SKY_BLUE                          # a cloud of batch means: context, not a line
EXAMPLES = BLUE                             # one gradient per example (open circles) ...
SPREAD_1 = BLUE                             # ... and their 2σ ellipse, dotted
BATCH_MEAN = VERMILLION                     # their mean (a star) ...
SPREAD_B = VERMILLION                       # ... and the batch's 2σ ellipse, solid
FULL_GRAD = BLACK                           # a cross
IID = GREY                                  # dashed
THEORY = BLUE
MEASURED = VERMILLION
THIS_BATCH = VERMILLION_TEXT                # a dotted line and its label
BATCH_STEP = VERMILLION
FULL_STEP = BLUE
START = BLACK
OPTIMUM = BLACK
VELOCITY = REDDISH_PURPLE                   # −lr·β·v carried over (momentum), dashed
STEP_TAKEN = BLACK                          # the optimizer's step: thick, from START (same colour)

# the loss-landscape page
MINIBATCH = VERMILLION
FULL_BATCH = BLUE
SINGLE = REDDISH_PURPLE
VALLEY_AXES = BLACK                         # dashed
SWEEP = BLUE
REACHED = GREY
DIVERGED = VERMILLION                       # crosses
STABLE_BOUND = VERMILLION                   # the line 2/λ_max where divergence starts
CHOSEN_LR = REDDISH_PURPLE                  # dashed
FAILED = BLACK                              # crosses over the heat map's blank cells
EDGE = WHITE                                # a white line with dark outlined markers on Viridis
# d2l-zh ch. 11's optimizers from one start on the valley's contours: five colours that stay
# apart, so Adadelta shares AdaGrad's (its dash, marker and the name at its path tell them apart)
OPT_SGD = VERMILLION                        # solid: the zig-zag
OPT_MOMENTUM = BLUE
OPT_ADAGRAD = REDDISH_PURPLE
OPT_RMSPROP = GREY
OPT_ADADELTA = REDDISH_PURPLE
OPT_ADAM = BLACK
OPTIMIZER_COLORS = {"sgd": OPT_SGD, "momentum": OPT_MOMENTUM, "adagrad": OPT_ADAGRAD,
                    "rmsprop": OPT_RMSPROP, "adadelta": OPT_ADADELTA, "adam": OPT_ADAM}

# ---- second cues -------------------------------------------------------------------------------
# compared runs, in the order they were kept (solid is the current run; dotted is the noise floor)
DASHES = ("dash", "dashdot", "longdash", "longdashdot", "5px,3px,1px,3px")
BACKEND_DASH = {"numpy": "solid", "mindspore": "dash", "mindspore-pynative": "dot"}
PATH_SYMBOLS = {"minibatch": "diamond", "gd": "circle", "single": "x"}
PATH_DASH = {"minibatch": "solid", "gd": "dash", "single": "dot"}
OPTIMIZER_DASH = {"sgd": "solid", "momentum": "dash", "adagrad": "dot", "rmsprop": "dashdot",
                  "adadelta": "longdash", "adam": "longdashdot"}
OPTIMIZER_SYMBOLS = {"sgd": "circle", "momentum": "square", "adagrad": "triangle-up",
                     "rmsprop": "diamond", "adadelta": "x", "adam": "triangle-down"}

# ---- which series are drawn together, chart by chart -------------------------------------------
# tests/test_palette.py keeps every pair in each set ΔE >= 20 apart under normal vision and the
# three simulated deficiencies. A new chart declares its set here. Roles that share a colour on
# purpose (a series and its current point, examples and their ellipse) are listed once.
CHARTS = {
    "live_loss": ("BATCH_LOSS", "FULL_LOSS", "NOISE_FLOOR", "SHORT_BATCH", "COMPARED"),
    "live_params": ("W1", "W2", "W3", "B", "COMPARED"),
    "live_path": ("LEAST_SQUARES", "TRUE", "SGD_PATH"),
    "live_data": ("DATA", "MODEL", "PERFECT"),
    "live_parabola": ("CURVE", "ITERATES", "CURRENT"),
    "parabola": ("CURVE", "ITERATES", "CURRENT", "TANGENT", "STEP"),
    "parabola_iterates": ("ITERATES", "CURRENT"),
    # the critical-damping curve and β = 0 are white (EDGE) lines outlined in dark on the map
    "momentum_map": ("EDGE", "RATE_ONE", "PLAIN_GD_RUN", "MOMENTUM_RUN"),
    "momentum_runs": ("PLAIN_GD_RUN", "MOMENTUM_RUN", "MINIMUM"),
    "backends_paths": ("NUMPY", "MINDSPORE_GRAPH", "MINDSPORE_PYNATIVE"),
    "backends_diff": ("MINDSPORE_GRAPH", "MINDSPORE_PYNATIVE", "FLOAT32_EPS"),
    "backends_times": ("NUMPY", "MINDSPORE_GRAPH", "MINDSPORE_PYNATIVE"),
    "inside_graph": ("FORWARD", "BACKWARD", "FOCUS"),
    "inside_noise": ("SAMPLES", "EXAMPLES", "BATCH_MEAN", "FULL_GRAD"),
    "inside_variance": ("IID", "THEORY", "MEASURED"),
    "inside_arrows": ("BATCH_STEP", "FULL_STEP", "START"),
    "inside_arrows_optimizer": ("BATCH_STEP", "FULL_STEP", "VELOCITY", "STEP_TAKEN"),
    "landscape_paths": ("MINIBATCH", "FULL_BATCH", "SINGLE", "VALLEY_AXES"),
    "landscape_finder": ("SWEEP", "REACHED", "DIVERGED", "CHOSEN_LR", "NOISE_FLOOR"),
    "landscape_map": ("FAILED", "EDGE", "STABLE_BOUND"),
    # OPT_ADADELTA is OPT_ADAGRAD's colour (listed once); the optimum's star is OPT_ADAM's black
    "landscape_optimizers": ("OPT_SGD", "OPT_MOMENTUM", "OPT_ADAGRAD", "OPT_RMSPROP", "OPT_ADAM"),
}


def live():
    """The live charts' colours and dashes, for the payload's meta (static/live_charts.js reads
    meta.colors; it has none of its own)."""
    return {
        "batch_loss": BATCH_LOSS, "full_loss": FULL_LOSS, "floor": NOISE_FLOOR, "short": SHORT_BATCH,
        "compared": COMPARED, "compared_dashes": list(DASHES), "params": list(PARAMS),
        "params_text": list(PARAMS_TEXT), "b": B,
        "true": TRUE, "least_squares": LEAST_SQUARES, "path": SGD_PATH, "path_scale": PATH_SCALE,
        "contour_line": CONTOUR_LINE_SOFT, "data": DATA_POINTS, "model": MODEL, "perfect": PERFECT,
        "curve": CURVE, "iterates": ITERATES, "current": CURRENT, "alert": ALERT, "text": TEXT_SOFT,
        "label_bg": LABEL_BG, "plot_bg": PLOT_BG_LIVE, "clear": CLEAR,
    }
