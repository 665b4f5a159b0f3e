"""Every public figure builder of :mod:`rfexplore.plots`, called with every optional input given and
with the largest parameters a title prints (``d = 1000``, ``r = 10000``, ``n = 100000``, ...), so
that the title and palette tests see each builder's longest default title and all its traces."""

import numpy as np
import pytest

from rfexplore import plots

_W = np.arange(1, 10001)                      # widths up to r = 10000
_E = 1 / np.sqrt(_W)
_STEPS = np.arange(30)
_L1, _L2 = np.exp(-_STEPS / 3.0), 0.2 + 0.8 * np.exp(-_STEPS / 5.0)
_DS = [10, 100, 1000]
_X = np.linspace(-2, 2, 9)


def _builds():
    rng = np.random.default_rng(0)
    return {
        "plot_training": lambda: plots.plot_training(_STEPS, _L2, _L1, rf_best=0.18),
        "plot_width_curve": lambda: plots.plot_width_curve(
            _W, _E, d=1000, current_width=100, current_error=0.1, staircase=([3, 40, 500], [0.6, 0.18, 0.02]),
            constrained_error=0.2),
        "plot_magnitudes": lambda: plots.plot_magnitudes(_W, _W * 0.5, budget=20.0, current_width=10,
                                                         current_magnitude=5.0),
        "plot_trajectory": lambda: plots.plot_trajectory(_STEPS, _L1, _L1 * 1.5),
        "plot_error_vs_d": lambda: plots.plot_error_vs_d(_DS, {r: [0.1, 0.2, 0.3] for r in (10, 100, 10000)}),
        "plot_error_curves": lambda: plots.plot_error_curves(
            {"d = 4": (_W, _E), "d = 8": (_W, _E ** 2)}, counts={"C(4+2,3)": 20, "C(8+2,3)": 120}, eps=0.3,
            needed=[12, None]),
        "plot_width_needed": lambda: plots.plot_width_needed(
            _DS, {k: [10 * k, None, 30 * k] for k in range(1, 8)}, {k: [1, 2, 3] for k in range(1, 8)}, eps=0.001),
        "plot_magnitude_vs_d": lambda: plots.plot_magnitude_vs_d(_DS, {3: [1, None, 3], 5: [4, 5, 6]}, eps=0.001),
        "plot_energy_per_degree": lambda: plots.plot_energy_per_degree(
            np.arange(9), [0.3, 0.5, 0.1, 0, 0.01, 0, 0.004, 0, 0.002],
            sphere_energies=[0.3, 0.4, 0.1, 0, 0.02, 0, 0.01, 0, 0.0], d=1000),
        "plot_staircase": lambda: plots.plot_staircase(
            _W, _E, d=1000, staircase=([3, 40, 500], [0.6, 0.18, 0.02], [0, 1, 2]), limit_levels=[0.68, 0.18, 0.02]),
        "plot_features_1d": lambda: plots.plot_features_1d(_X, rng.random((9, 7)), weights=rng.normal(size=7),
                                                           biases=rng.normal(size=7)),
        "plot_features_2d": lambda: plots.plot_features_2d(np.linspace(-1, 1, 5), [rng.random((5, 5))] * 3,
                                                           rng.normal(size=(3, 2))),
        "plot_fit_1d": lambda: plots.plot_fit_1d(_X, np.sin(_X), {f"r = {r}": rng.random(9) for r in range(1, 8)},
                                                 samples=(rng.random(4), rng.random(4)), yrange=(-1, 2)),
        "plot_fit_errors": lambda: plots.plot_fit_errors(_W, _E, current_width=10, current_error=0.3, sample_test=0.4,
                                                         sample_train=0.1, n=100000),
        "plot_kernel_slice": lambda: plots.plot_kernel_slice(_X, rng.random(9), rng.random(9), x0=-1.25,
                                                             width=10000),
        "plot_kernel_errors": lambda: plots.plot_kernel_errors(
            _W[:50], _E[:50], runs=rng.random((3, 50)), reference=_E[:50] * 2, current_width=5, current_error=0.2),
        "plot_sample_errors": lambda: plots.plot_sample_errors(
            [10, 100, 1000], [0.1, 0.2, 0.3], [0.5, 0.4, 0.35], 0.33, width=10000,
            guide=([0.0, 0.2, 0.3], [0.6, 0.4, 0.34])),
        "plot_error_vs_d_at_widths": lambda: plots.plot_error_vs_d_at_widths(
            _DS, {100: [0.1, 0.2, 0.3], 10000: [0.01, 0.1, 0.2]}, current_width=50, current_errors=[0.2, 0.0, 0.4],
            plateaus={"degree ≤ 1 captured: 0.18": 0.18}),
        "plot_width_needed_vs_d": lambda: plots.plot_width_needed_vs_d(
            _DS, {0.1: [10, 20, None], 0.001: [30, None, None]}, current_eps=0.001,
            guides={"∝ d²": ([10, 1000], [100, 1e6])}, pool=10000, current_d=100),
        "plot_budget_curves": lambda: plots.plot_budget_curves(
            [1, 10, 100], {d: [0.9, 0.5, 0.2] for d in range(1, 7)}, free_errors={1: 0.1}, width=10000,
            current_budget=10),
        "plot_magnitude_vs_error": lambda: plots.plot_magnitude_vs_error(
            {f"d = {d}": ([0.5, 0.1, 0.01], [1, 10, 100], [10, 100, 1000]) for d in _DS}),
        "plot_steep_neuron": lambda: plots.plot_steep_neuron([1, 2, 4], [0.1, 0.1, 0.1], [0.05, 0.2, 0.8],
                                                             [0.5, 2, 8], current_norm=2),
        "plot_periodic_correlation": lambda: plots.plot_periodic_correlation(
            np.linspace(0, 90, 5), {f"f = {f}": [1, 0.5, 0.1, 0.0, 0.0] for f in (1, 2)},
            {f"bound, f = {f}": [1, 0.4, 1e-3, 1e-9, 1e-20] for f in (1, 2)}, typical_angle=80),
        "plot_error_vs_norm": lambda: plots.plot_error_vs_norm([1, 2, 4], {r: [0.1, 0.5, 0.9] for r in (100, 10000)}),
        "plot_neuron_losses": lambda: plots.plot_neuron_losses(
            _STEPS, _L1, train_losses=_L1 * 0.9, others={f"d = {d}": (_STEPS, _L2 * i) for i, d in enumerate(_DS)},
            rf=(_STEPS, _L2), rf_best=0.18),
        "plot_parameters_needed": lambda: plots.plot_parameters_needed(
            _DS, _DS, {0.1: [50, 400, None], 0.001: [100, 900, 7000]}, measured={0.1: ([10, 100], [40, 300])}),
        "plot_lazy_training": lambda: plots.plot_lazy_training(_STEPS, _L1, rf=_L2, lin=_L1 * 1.1, rf_best=0.18),
        "plot_lazy_gaps": lambda: plots.plot_lazy_gaps(_STEPS, np.r_[0.0, _L1[1:]], np.r_[0.0, _L2[1:]]),
        "plot_chain_vs_width": lambda: plots.plot_chain_vs_width(
            _W, _E, _E * 0.5, _E * 0.8, _E * 0.01 - 0.005, current_width=(10000, 0.01, 0.005),
            component_label="component [−⟨w*,x⟩ − 19.75]₊"),
        "plot_decomposition": lambda: plots.plot_decomposition(
            _X, np.abs(_X), np.abs(_X), np.maximum(_X, 0), T=1.5, period=4.0, density_z=_X, density=np.exp(-_X ** 2),
            chosen_label="−2·[−⟨w*,x⟩ − 19.75]₊"),
        "plot_component_errors": lambda: plots.plot_component_errors(
            _X, np.exp(_X), np.linspace(0, 1, 9), _X < 0, chosen=3, bound=0.1),
        "plot_feature_correlations": lambda: plots.plot_feature_correlations(
            np.linspace(0, 180, 9), rng.normal(size=9) * 1e-3, np.linspace(0, 180, 5), [1, 1e-3, 1e-9, 1e-3, 1]),
        "plot_movement_vs_width": lambda: plots.plot_movement_vs_width(
            {f"α = {a}": ([8, 32, 128], [0.5 / a, 0.25 / a, 0.12 / a]) for a in range(1, 8)}, highlight="α = 3",
            current=(32, 0.1), guide=([8, 128], [0.4, 0.1])),
        "plot_paper_regime": lambda: plots.plot_paper_regime(
            {f"network, first-layer rate {a:g}": _L2 * (1 - a / 10) for a in (0.001, 0.01, 0.1, 1.0)},
            np.r_[_L2, _L2[-1] * np.ones(30)], rf_best=0.18),
        "plot_rate_sweep": lambda: plots.plot_rate_sweep([0.001, 0.01, 0.1, 1.0], [1e-5, 1e-4, 1e-3, 1e-2],
                                                         [1e-9, 1e-7, 1e-5, 1e-3]),
    }


BUILDS = _builds()


@pytest.fixture(params=sorted(BUILDS))
def built(request):
    """``(builder name, its figure)`` for every public builder."""
    return request.param, BUILDS[request.param]()


@pytest.fixture
def built_names():
    """The names of the builders :func:`built` covers."""
    return set(BUILDS)
