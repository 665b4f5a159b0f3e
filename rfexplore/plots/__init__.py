"""Plotly figure builders: plain data in, ``go.Figure`` out.

Builders never show a figure and never compute mathematics: callers pass curves computed by
``rfexplore.fit`` / ``rfexplore.train``. Traces carry stable ``name``s so that dashboards can find
and update them in place (:func:`trace_index`). One colour-blind-safe palette (Okabe–Ito,
:data:`PALETTE`), its roles (:data:`COLORS`) and the layout live in ``_style``; the builders are
grouped by what they draw:

- ``width``: error and output-weight size against the width (the tour, notebook 02);
- ``dimension``: error, width needed and parameters against the dimension ``d`` (02, 04, 06);
- ``limitation``: magnitude budget, steep neuron, periodic target (04);
- ``training``: the single neuron's training curves (00, 06); ``lazy``: lazy training (03); ``paper_regime``:
  the network with a small first-layer rate beside RF over its initial features (03);
- ``spectrum``: Hermite energy per degree and the staircase (05);
- ``random_features``: features, kernels and fits of one input (01);
- ``proof``: the paper's argument, computed — the zig-zag, its offset ReLUs and the chain (07).

This package imports plotly and numpy only (no torch, no widgets); a test holds that line.
"""

from ._style import (
    COLORS,
    DEGREE_COLORS,
    PALETTE,
    series_color,
    title_font_size,
    title_width,
    title_widths,
    trace_index,
)
from ._style import _floor as _floor  # private, but the dashboards floor data they set in place
from .dimension import (
    plot_error_vs_d,
    plot_error_vs_d_at_widths,
    plot_magnitude_vs_d,
    plot_parameters_needed,
    plot_width_needed,
    plot_width_needed_vs_d,
)
from .lazy import LAZY_TRACES, plot_lazy_gaps, plot_lazy_training, plot_movement_vs_width
from .limitation import (
    plot_budget_curves,
    plot_error_vs_norm,
    plot_magnitude_vs_error,
    plot_periodic_correlation,
    plot_steep_neuron,
)
from .paper_regime import plot_paper_regime, plot_rate_sweep
from .proof import plot_chain_vs_width, plot_component_errors, plot_decomposition, plot_feature_correlations
from .random_features import (
    plot_features_1d,
    plot_features_2d,
    plot_fit_1d,
    plot_fit_errors,
    plot_kernel_errors,
    plot_kernel_slice,
    plot_sample_errors,
)
from .spectrum import plot_energy_per_degree, plot_staircase
from .training import plot_neuron_losses, plot_training, plot_trajectory
from .width import plot_error_curves, plot_magnitudes, plot_width_curve

__all__ = [
    "COLORS", "DEGREE_COLORS", "LAZY_TRACES", "PALETTE", "series_color", "title_font_size", "title_width",
    "title_widths", "trace_index",
    "plot_budget_curves", "plot_chain_vs_width", "plot_component_errors", "plot_decomposition",
    "plot_feature_correlations", "plot_energy_per_degree", "plot_error_curves", "plot_error_vs_d",
    "plot_error_vs_d_at_widths", "plot_error_vs_norm", "plot_features_1d", "plot_features_2d", "plot_fit_1d",
    "plot_fit_errors", "plot_kernel_errors", "plot_kernel_slice", "plot_lazy_gaps", "plot_lazy_training",
    "plot_magnitude_vs_d", "plot_magnitude_vs_error", "plot_magnitudes", "plot_movement_vs_width",
    "plot_neuron_losses", "plot_paper_regime", "plot_parameters_needed", "plot_rate_sweep",
    "plot_periodic_correlation", "plot_sample_errors",
    "plot_staircase", "plot_steep_neuron", "plot_training", "plot_trajectory", "plot_width_curve",
    "plot_width_needed", "plot_width_needed_vs_d",
]
