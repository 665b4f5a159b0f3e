"""Every computation behind a dashboard or a notebook table: plain functions of plain parameters,
returning small frozen results. No widgets and no plotting (importing this package loads neither
ipywidgets nor plotly); one bounded cache (:data:`CACHE`) serves them all.

One module per topic, the same topics as :mod:`rfexplore.dashboards`: ``tour``, ``random_features``,
``polynomials``, ``lazy``, ``limitation``, ``staircase``, ``neuron``, ``proof`` (and ``paper_regime``, notebook 03's
section on the paper's regime, without a dashboard).
"""

from ._cache import CACHE, Cache, nbytes
from .lazy import (
    LAZY_ALPHAS,
    LAZY_MAX_LR,
    LAZY_WIDTHS,
    LazyResult,
    lazy_alignment,
    lazy_lr,
    lazy_movements,
    lazy_result,
    lazy_rf_best,
    lazy_run,
    lazy_start,
)
from .limitation import (
    LIMITATION_BIASES,
    LIMITATION_BUDGETS,
    LIMITATION_DS,
    LIMITATION_EPS,
    LIMITATION_NORMS,
    LimitationData,
    LimitationView,
    limitation_curves,
    limitation_plateaus,
    limitation_view,
    pick,
    power_fit,
)
from .magnitude import BudgetNeeded, budget_needed
from .neuron import (
    NEURON_D_RANGE,
    NEURON_DEAD_BIAS,
    NEURON_REFERENCE_DS,
    NEURON_SAMPLE_WORK,
    NEURON_STARTS,
    NEURON_STEPS_RANGE,
    NEURON_TEST_SAMPLES,
    NeuronView,
    neuron_rf_run,
    neuron_run,
    neuron_samples,
    neuron_view,
    steps_to_reach,
)
from .paper_regime import PAPER_RATES, PaperRegimeRow, paper_regime_row, paper_regime_run, paper_rf_curve
from .polynomials import (
    POLYNOMIAL_D_RANGE,
    POLYNOMIAL_LABELS,
    PolynomialResult,
    polynomial_pool,
    polynomial_result,
    polynomial_target,
)
from .proof import (
    PROOF_BIAS_STDS,
    PROOF_D_RANGE,
    PROOF_MAX_COMPONENT,
    PROOF_MAX_RATIO,
    PROOF_NORMS,
    PROOF_PERIODS,
    PROOF_POOL_RANGE,
    PROOF_SIGMAS,
    ProofCurves,
    ProofResult,
    proof_component,
    proof_curves,
    proof_fit,
    proof_result,
)
from .random_features import (
    FEATURE_N_RANGE,
    FEATURE_TARGETS,
    FeaturesResult,
    features_kernel_sigma,
    features_pool,
    features_result,
    features_target,
    features_training_inputs,
)
from .staircase import (
    STAIRCASE_D_RANGE,
    STAIRCASE_KMAX,
    STAIRCASE_POOL_RANGE,
    StaircaseLevel,
    StaircaseResult,
    StaircaseWidth,
    log_widths,
    staircase_curve,
    staircase_levels,
    staircase_result,
    staircase_width,
)
from .tour import (
    TOUR_OFFSETS,
    TOUR_PERIOD,
    TOUR_TARGETS,
    TourCurve,
    TourPoint,
    TourResult,
    TourTraining,
    TourWork,
    tour_advance,
    tour_curve,
    tour_plateau,
    tour_point,
    tour_refine,
    tour_result,
    tour_start,
    tour_target,
    tour_training,
)

__all__ = [
    "CACHE", "Cache", "nbytes",
    "LAZY_ALPHAS", "LAZY_MAX_LR", "LAZY_WIDTHS", "LazyResult", "lazy_alignment", "lazy_lr", "lazy_movements",
    "lazy_result", "lazy_rf_best", "lazy_run", "lazy_start",
    "LIMITATION_BIASES", "LIMITATION_BUDGETS", "LIMITATION_DS", "LIMITATION_EPS", "LIMITATION_NORMS",
    "LimitationData", "LimitationView", "limitation_curves", "limitation_plateaus", "limitation_view", "pick",
    "power_fit",
    "NEURON_DEAD_BIAS", "NEURON_D_RANGE", "NEURON_REFERENCE_DS", "NEURON_SAMPLE_WORK", "NEURON_STARTS",
    "NEURON_STEPS_RANGE", "NEURON_TEST_SAMPLES", "NeuronView", "neuron_rf_run", "neuron_run", "neuron_samples",
    "neuron_view", "steps_to_reach",
    "POLYNOMIAL_D_RANGE", "POLYNOMIAL_LABELS", "PolynomialResult", "polynomial_pool", "polynomial_result",
    "polynomial_target",
    "FEATURE_N_RANGE", "FEATURE_TARGETS", "FeaturesResult", "features_kernel_sigma", "features_pool",
    "features_result", "features_target", "features_training_inputs",
    "STAIRCASE_D_RANGE", "STAIRCASE_KMAX", "STAIRCASE_POOL_RANGE", "StaircaseLevel", "StaircaseResult",
    "StaircaseWidth", "log_widths", "staircase_curve", "staircase_levels", "staircase_result", "staircase_width",
    "BudgetNeeded", "budget_needed",
    "PAPER_RATES", "PaperRegimeRow", "paper_regime_row", "paper_regime_run", "paper_rf_curve",
    "PROOF_BIAS_STDS", "PROOF_D_RANGE", "PROOF_MAX_COMPONENT", "PROOF_MAX_RATIO", "PROOF_NORMS", "PROOF_PERIODS",
    "PROOF_POOL_RANGE", "PROOF_SIGMAS", "ProofCurves", "ProofResult", "proof_component", "proof_curves", "proof_fit",
    "proof_result",
    "TOUR_OFFSETS", "TOUR_PERIOD", "TOUR_TARGETS", "TourCurve", "TourPoint", "TourResult", "TourTraining",
    "TourWork", "tour_advance", "tour_curve", "tour_plateau", "tour_point", "tour_refine", "tour_result", "tour_start",
    "tour_target",
    "tour_training",
]
