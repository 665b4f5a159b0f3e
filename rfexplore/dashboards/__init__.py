"""ipywidgets dashboards: controls -> computation -> result -> figure, on one base.

Every dashboard is a short declaration (its state and controls, its call into
:mod:`rfexplore.experiments`, its figures and readouts) put on screen by the one base in
:mod:`rfexplore.dashboards._base`: validated and never clamped values, export and restore of the state
(JSON and query string), Play/Step for dashboards that train, headless and static-figure modes. Where
plotly's ``FigureWidget`` cannot render (no ``anywidget``, Colab, Voila) figures are redrawn as static
plots; :func:`doctor` says which path will be used.

One module per dashboard: :mod:`.tour`, :mod:`.random_features`, :mod:`.polynomials`, :mod:`.lazy`,
:mod:`.limitation`, :mod:`.staircase`, :mod:`.neuron`, :mod:`.proof`.
"""

# The computations behind the dashboards live in rfexplore.experiments; the names below that come from
# there (limitation_curves, lazy_run, staircase_curve, ...) are re-exported so earlier code keeps working.
from ..experiments import (
    FEATURE_N_RANGE,
    FEATURE_TARGETS,
    LAZY_ALPHAS,
    LAZY_MAX_LR,
    LAZY_WIDTHS,
    LIMITATION_BIASES,
    LIMITATION_BUDGETS,
    LIMITATION_DS,
    LIMITATION_EPS,
    LIMITATION_NORMS,
    NEURON_D_RANGE,
    NEURON_DEAD_BIAS,
    NEURON_REFERENCE_DS,
    NEURON_SAMPLE_WORK,
    NEURON_STEPS_RANGE,
    NEURON_TEST_SAMPLES,
    POLYNOMIAL_D_RANGE,
    POLYNOMIAL_LABELS,
    STAIRCASE_D_RANGE,
    STAIRCASE_KMAX,
    STAIRCASE_POOL_RANGE,
    FeaturesResult,
    LazyResult,
    LimitationData,
    PolynomialResult,
    features_target,
    features_training_inputs,
    lazy_alignment,
    lazy_lr,
    lazy_movements,
    lazy_rf_best,
    lazy_run,
    lazy_start,
    limitation_curves,
    neuron_run,
    neuron_samples,
    polynomial_target,
    staircase_curve,
    steps_to_reach,
)
from ._base import Control, Explorer, Play, Progress, Spec, State
from ._figures import FIGURE_WIDTHS, doctor, figure_backend
from .lazy import LazyState, lazy_dashboard
from .limitation import LimitationState, limitation_dashboard
from .neuron import NEURON_DS, NEURON_INITS, NEURON_RF_WIDTHS, NEURON_SAMPLES, NeuronState, neuron_dashboard
from .polynomials import POLYNOMIAL_TARGETS, PolynomialState, polynomial_dashboard
from .proof import ProofState, proof_dashboard
from .random_features import FeaturesState, features_dashboard
from .staircase import StaircaseState, staircase_dashboard
from .tour import TourConfig, TourDashboard, tour

__all__ = [
    "Control", "Explorer", "Play", "Progress", "Spec", "State", "FIGURE_WIDTHS", "doctor", "figure_backend",
    "TourConfig", "TourDashboard", "tour",
    "FeaturesState", "features_dashboard", "PolynomialState", "POLYNOMIAL_TARGETS", "polynomial_dashboard",
    "LazyState", "lazy_dashboard", "LimitationState", "limitation_dashboard", "StaircaseState", "staircase_dashboard",
    "NEURON_DS", "NEURON_INITS", "NEURON_RF_WIDTHS", "NEURON_SAMPLES", "NeuronState", "neuron_dashboard",
    "ProofState", "proof_dashboard",
    # re-exported from rfexplore.experiments
    "FEATURE_N_RANGE", "FEATURE_TARGETS", "FeaturesResult", "features_target", "features_training_inputs",
    "LAZY_ALPHAS", "LAZY_MAX_LR", "LAZY_WIDTHS", "LazyResult", "lazy_alignment", "lazy_lr", "lazy_movements",
    "lazy_rf_best", "lazy_run", "lazy_start",
    "LIMITATION_BIASES", "LIMITATION_BUDGETS", "LIMITATION_DS", "LIMITATION_EPS", "LIMITATION_NORMS",
    "LimitationData", "limitation_curves",
    "NEURON_DEAD_BIAS", "NEURON_D_RANGE", "NEURON_REFERENCE_DS", "NEURON_SAMPLE_WORK", "NEURON_STEPS_RANGE",
    "NEURON_TEST_SAMPLES", "neuron_run", "neuron_samples", "steps_to_reach",
    "POLYNOMIAL_D_RANGE", "POLYNOMIAL_LABELS", "PolynomialResult", "polynomial_target",
    "STAIRCASE_D_RANGE", "STAIRCASE_KMAX", "STAIRCASE_POOL_RANGE", "staircase_curve",
]
