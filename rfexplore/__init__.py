"""rfexplore: the power and limitations of random features (Yehudai & Shamir, NeurIPS 2019).

The public API used by the notebooks, the dashboards and outside checks.
"""

from .biased_neuron import BiasedNeuronResult, train_biased_neuron
from .features import FeaturePool, sample_features
from .fit import (
    CurveResult,
    FitResult,
    NestedFit,
    SampleFitResult,
    fit_nested,
    fit_population,
    fit_samples,
    rf_error_curve,
)
from .gaussian import (
    biased_relu_hermite_coefficients,
    biased_relu_kernel,
    hermite_coefficients,
    relu_hermite_coefficients,
    relu_hermite_residuals,
    relu_kernel,
    relu_kernel_series,
)
from .periodic import (
    ChainResult,
    CorrelationDecay,
    ReluDecomposition,
    correlation_bound,
    correlation_decay,
    feature_correlations,
    periodic_chain,
    relu_decomposition,
)
from .targets import CallableTarget, HermiteTarget, PeriodicTarget, ReluTarget, TriangleWaveTarget
from .train import (
    BiasedNetworkResult,
    NeuronResult,
    RFTrainResult,
    TwoLayerResult,
    train_biased_network,
    train_neuron,
    train_rf,
    train_two_layer,
)

__version__ = "0.1.0"

__all__ = [
    "CallableTarget", "CurveResult", "FeaturePool", "FitResult", "HermiteTarget", "NestedFit",
    "PeriodicTarget", "ReluTarget", "SampleFitResult", "biased_relu_hermite_coefficients",
    "biased_relu_kernel", "fit_nested", "fit_population", "fit_samples", "hermite_coefficients",
    "relu_hermite_coefficients", "relu_hermite_residuals", "relu_kernel", "relu_kernel_series",
    "rf_error_curve", "sample_features",
]
__all__ += ["NeuronResult", "RFTrainResult", "TwoLayerResult", "train_neuron", "train_rf", "train_two_layer",
            "BiasedNetworkResult", "train_biased_network"]
__all__ += ["TriangleWaveTarget", "ReluDecomposition", "relu_decomposition", "feature_correlations",
            "correlation_bound", "CorrelationDecay", "correlation_decay", "ChainResult", "periodic_chain",
            "BiasedNeuronResult", "train_biased_neuron"]
