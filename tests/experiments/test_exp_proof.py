"""experiments.proof (notebook 07's dashboard): the chain at every width of one pool, against
periodic_chain on the same pool, the correlations against feature_correlations, the component index,
the cache and the refusals."""

import numpy as np
import pytest

from rfexplore import (
    TriangleWaveTarget,
    correlation_bound,
    feature_correlations,
    fit_nested,
    periodic_chain,
    relu_decomposition,
    sample_features,
)
from rfexplore.experiments import (
    PROOF_MAX_COMPONENT,
    PROOF_MAX_RATIO,
    PROOF_NORMS,
    PROOF_PERIODS,
    PROOF_SIGMAS,
    Cache,
    proof_component,
    proof_curves,
    proof_fit,
    proof_result,
)

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

D, POOL = 6, 120


@pytest.fixture(scope="module")
def cache():
    return Cache()


def _pool(bias_std=1.0, seed=0):
    return sample_features(D, POOL, bias_std=bias_std, seed=seed)


@pytest.mark.parametrize("bias_std", [1.0, 0.0])
def test_at_full_width_every_number_is_periodic_chains_bit_for_bit(cache, bias_std):
    wave = TriangleWaveTarget(period=1.0, norm=1.0)
    chain = periodic_chain(_pool(bias_std), wave, T=PROOF_SIGMAS * 1.0)
    res = proof_result(D, width=POOL, pool_size=POOL, bias_std=bias_std, cache=cache)
    assert res.psi_error == chain.psi_error and res.bound == chain.bound and res.holds == chain.holds
    np.testing.assert_array_equal(res.component_errors, chain.component_errors)
    np.testing.assert_array_equal(res.curves.decomposition.offsets, chain.offsets)
    assert res.hardest == chain.hardest and res.hardest_error == chain.hardest_error
    assert res.tail_l2 == chain.tail_l2 and res.total_coefficient == chain.total_coefficient


@pytest.mark.parametrize("width", [1, 7, 40])
def test_at_a_smaller_width_the_numbers_are_periodic_chains_up_to_the_jitter(cache, width):
    """periodic_chain factors the first ``width`` features alone: its jitter is 1e-10 times the mean diagonal of
    that block, not of the pool's, so the errors agree to about 1e-10 (relative), not bit for bit."""
    wave = TriangleWaveTarget(period=0.5, norm=0.5)
    chain = periodic_chain(_pool(), wave, T=PROOF_SIGMAS * 0.5, width=width)
    res = proof_result(D, width=width, period=0.5, norm=0.5, pool_size=POOL, cache=cache)
    assert res.psi_error == pytest.approx(chain.psi_error, rel=1e-7)
    np.testing.assert_allclose(res.component_errors, chain.component_errors, rtol=1e-6, atol=1e-9)
    assert res.bound == pytest.approx(chain.bound, rel=1e-6, abs=1e-12)


def test_the_curves_are_the_nested_fits_of_each_target(cache):
    """Every component's curve is ``retarget(neuron)`` of the pool's factorization (one batched kernel call gives
    the same bits as each neuron's own cross-moments), the zig-zag's that of the wave."""
    cv = proof_curves(D, period=1.0, norm=1.0, pool_size=POOL, cache=cache)
    nested = fit_nested(_pool(), TriangleWaveTarget(period=1.0, norm=1.0))
    kss = nested.kss
    np.testing.assert_array_equal(cv.psi_errors, np.sqrt(np.maximum(nested.relative_errors(), 0) * kss))
    for j in (0, 3, cv.decomposition.size - 1):
        fit = nested.retarget(cv.decomposition.neuron(j, D))
        np.testing.assert_array_equal(cv.component_errors[j],
                                      np.sqrt(np.maximum(fit.relative_errors(), 0) * fit.kss))
    np.testing.assert_array_equal(cv.largest_errors, cv.component_errors.max(axis=0))


def test_correlations_are_feature_correlations_and_under_their_bound(cache):
    cv = proof_curves(D, period=1.0, norm=0.5, pool_size=POOL, cache=cache)
    wave = TriangleWaveTarget(period=1.0, norm=0.5)
    pool = _pool()
    np.testing.assert_allclose(cv.correlations, feature_correlations(wave, pool.W, pool.b), rtol=1e-12, atol=1e-15)
    assert np.all(np.abs(cv.correlations) <= correlation_bound(wave, pool.W) + 1e-15)
    cos = pool.W[:, 0] / np.linalg.norm(pool.W, axis=1)
    np.testing.assert_allclose(np.cos(np.radians(cv.angles)), cos, atol=1e-12)
    grid = np.radians(cv.bound_angles)
    np.testing.assert_allclose(cv.bound, correlation_bound(wave, np.stack([np.cos(grid), np.sin(grid)], 1)), rtol=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bias_std", [0.0, 1.0])
def test_the_chain_holds_at_every_width_of_every_pool_tried(cache, seed, bias_std):
    cv = proof_curves(D, period=1.0, norm=1.0, pool_size=POOL, bias_std=bias_std, seed=seed, cache=cache)
    assert np.all(cv.largest_errors >= cv.bounds)
    # and the guarantee is the triangle inequality: e_psi <= tail + sum |a_j| max_j e_j
    dec = cv.decomposition
    assert np.all(cv.psi_errors <= dec.tail_l2 + dec.total_coefficient * cv.largest_errors)


@pytest.mark.parametrize("period, norm", [(1.0, 1.0), (0.5, 1.0), (1.0, 0.25)])
def test_component_k_is_the_kth_kink_of_the_wave_on_the_plus_side_and_mirrored_its_mirror(period, norm):
    wave = TriangleWaveTarget(period=period, norm=norm)
    dec = relu_decomposition(wave, PROOF_SIGMAS * norm)
    kinks = wave.kinks(0.0, dec.T)
    top = len(kinks)
    for k in range(top + 1):
        b = 0.0 if k == 0 else period / 4 + (k - 1) * period / 2           # b_k
        assert k == 0 or b == pytest.approx(kinks[k - 1])
        for mirrored, sign in ((False, 1.0), (True, -1.0)):
            j = proof_component(dec, k, mirrored=mirrored)
            assert dec.signs[j] == sign and abs(dec.offsets[j]) == pytest.approx(b)
            neuron = dec.neuron(j, 3)                                     # [<sign w*, x> - b]_+
            assert neuron.weight(3)[0] == sign * norm and neuron.bias == pytest.approx(-b)
    with pytest.raises(ValueError, match=f"component must be an integer from 0 to {top} .*, got {top + 1}"):
        proof_component(dec, top + 1)
    with pytest.raises(TypeError, match="component must be a non-negative integer"):
        proof_component(dec, 1.5)
    with pytest.raises(ValueError, match="decomposition must be in the two-sided form"):
        proof_component(relu_decomposition(wave, 1.0, form="one-sided"), 0)


def test_the_largest_ratio_on_offer_has_max_component_kinks():
    """The dashboard's component slider ends at PROOF_MAX_COMPONENT: the kinks in (0, T) at |w*| / p = 2."""
    worst = max(n / p for n in PROOF_NORMS for p in PROOF_PERIODS if n / p <= PROOF_MAX_RATIO)
    assert worst == PROOF_MAX_RATIO
    wave = TriangleWaveTarget(period=1.0, norm=PROOF_MAX_RATIO)
    assert len(wave.kinks(0.0, PROOF_SIGMAS * PROOF_MAX_RATIO)) == PROOF_MAX_COMPONENT
    dec = relu_decomposition(wave, PROOF_SIGMAS * PROOF_MAX_RATIO)
    assert dec.size == 2 * PROOF_MAX_COMPONENT + 2


def test_width_and_component_are_look_ups_in_the_cache():
    c = Cache()
    first = proof_result(D, width=POOL, pool_size=POOL, cache=c)
    keys = c.keys()
    again = proof_result(D, width=10, component=2, mirrored=True, pool_size=POOL, cache=c)
    assert c.keys() == keys and again.curves is first.curves
    assert proof_fit(D, pool_size=POOL, cache=c) is proof_fit(D, pool_size=POOL, cache=c)
    other = proof_result(D, width=POOL, period=0.5, pool_size=POOL, cache=c)
    assert len(c) == len(keys) + 1 and other.curves is not first.curves       # the same factorization, new curves


def test_the_chosen_component_and_the_picture(cache):
    res = proof_result(D, width=50, component=2, mirrored=True, pool_size=POOL, cache=cache)
    dec = res.curves.decomposition
    assert res.chosen_sign == -1 and res.chosen_offset == 0.75 and res.chosen_coefficient == dec.coefficients[5]
    assert res.chosen_error == res.component_errors[res.index] == res.curves.component_errors[res.index, 49]
    assert res.chosen_relative_error == pytest.approx(res.chosen_error ** 2 / res.chosen_second, rel=1e-15)
    inside = np.abs(res.z) <= dec.T
    np.testing.assert_allclose(res.decomposed[inside], res.tri[inside], atol=1e-12)   # exact on |z| <= T
    assert not np.allclose(res.decomposed[~inside], res.tri[~inside])              # and not beyond
    # the chosen ramp a_j [-(z - b_j)]_+ with b_j = -0.75: zero right of its kink, slope -a_j left of it
    assert np.all(res.chosen_curve[res.z >= -0.75] == 0)
    left = res.z < -0.75
    np.testing.assert_allclose(res.chosen_curve[left], res.chosen_coefficient * (-0.75 - res.z[left]))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(norm=4.0), ValueError, r"norm / period must be at most 2 .* got \|w\*\| = 4 and period 1"),
    (dict(period=0.25), ValueError, "norm / period must be at most 2"),
    (dict(period=0.0), ValueError, "period must be a finite positive number, got 0.0"),
    (dict(norm="1"), TypeError, "norm must be a finite positive number"),
    (dict(width=POOL + 1), ValueError, f"width must be an integer from 1 to {POOL}, got {POOL + 1}"),
    (dict(width=0), ValueError, f"width must be an integer from 1 to {POOL}, got 0"),
    (dict(component=11), ValueError, "component must be an integer from 0 to 10"),
    (dict(mirrored=1), TypeError, "mirrored must be true or false"),
    (dict(pool_size=5), ValueError, "pool_size must be an integer from 20 to 2000, got 5"),
    (dict(bias_std=-1.0), ValueError, "bias_std must be a finite non-negative number, got -1.0"),
    (dict(seed=-1), ValueError, "seed must be a non-negative integer"),
])
def test_bad_settings_are_refused_naming_the_rule(cache, kwargs, error, message):
    with pytest.raises(error, match=message):
        proof_result(D, **{"width": 10, "pool_size": POOL, "cache": cache, **kwargs})


def test_d_out_of_range_is_refused():
    with pytest.raises(ValueError, match="d must be an integer from 2 to 40, got 41"):
        proof_fit(41)
    with pytest.raises(TypeError, match="d must be an integer from 2 to 40"):
        proof_fit(4.0)


def test_relative_errors_of_equals_retarget_row_by_row():
    nested = fit_nested(_pool(seed=3))
    waves = [TriangleWaveTarget(period=p, norm=0.5) for p in (0.5, 1.0)]
    k = np.stack([w.cross_moments(nested.pool.W, nested.pool.b) for w in waves], axis=1)
    kss = np.array([w.second_moment(D) for w in waves])
    rows = nested.relative_errors_of(k, kss)
    for t, w in enumerate(waves):
        np.testing.assert_array_equal(rows[t], nested.retarget(w).relative_errors())
    with pytest.raises(ValueError, match=r"k must have shape \(120, n\)"):
        nested.relative_errors_of(k[:10], kss)
    with pytest.raises(ValueError, match="kss finite and positive"):
        nested.relative_errors_of(k, -kss)
