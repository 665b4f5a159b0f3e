"""fit_nested in slices (NestedSolve): the Gram matrix in row blocks, the Cholesky factor in column blocks,
the same blocks however the work is sliced, so the fit has the bits of one uninterrupted fit_nested."""

import numpy as np
import pytest
import torch

import rfexplore as rf
from rfexplore import gaussian as g
from rfexplore.features import FeaturePool
from rfexplore.fit import GRAM_BLOCK, NestedSolve, _cholesky, gram_matrix

pytestmark = pytest.mark.usefixtures("single_thread")   # tests/conftest.py

R = 2 * GRAM_BLOCK + 77          # three row blocks, the last one partial; odd: a sign-symmetric pool ends alone

POOLS = {
    "biased, sign-symmetric": dict(symmetric=True, bias_std=1.0),
    "biased, i.i.d.": dict(symmetric=False, bias_std=1.0),
    "bias-free, i.i.d.": dict(symmetric=False, bias_std=0.0),
}


def _sliced(pool, target=None):
    """NestedSolve run one block per slice, with the stages it went through."""
    solve = NestedSolve(pool, target)
    stages, counts = [], []
    while not solve.finished:
        stages.append(solve.stage)
        assert solve.advance(max_seconds=1e-9) is None or solve.finished
        counts.append(solve.done)
    return solve, stages, counts


@pytest.mark.parametrize("kind", list(POOLS))
def test_one_block_per_slice_gives_the_bits_of_fit_nested(kind):
    pool = rf.sample_features(12, R, seed=3, **POOLS[kind])
    target = rf.ReluTarget(norm=1.5, bias=-0.3)
    one = rf.fit_nested(pool, target)
    solve, stages, counts = _sliced(pool, target)
    blocks = -(-R // GRAM_BLOCK)
    assert solve.total == 1 + 2 * blocks and counts == list(range(1, solve.total + 1))     # "k of n", k = 1..n
    assert stages == ["cross-moments"] + ["Gram matrix rows"] * blocks + ["Cholesky factor columns"] * blocks
    many = solve.result
    assert np.array_equal(many.relative_errors(), one.relative_errors()) and many.jitter == one.jitter
    assert torch.equal(many._factor.L, one._factor.L) and torch.equal(many.K, one.K)
    for m in (1, GRAM_BLOCK + 1, R):
        assert np.array_equal(many.fit(m).weights, one.fit(m).weights)


def test_a_slice_runs_blocks_until_its_time_is_up_and_a_finished_solve_stays_finished():
    pool = rf.sample_features(8, R, bias_std=1.0, seed=1)
    solve = NestedSolve(pool)
    assert solve.advance(max_seconds=1e-9) is None and solve.done == 1          # at least one block
    fit = solve.advance()                                                       # None: all the rest
    assert solve.finished and solve.done == solve.total and solve.advance(max_seconds=1e-9) is fit
    assert np.array_equal(fit.relative_errors(), rf.fit_nested(pool).relative_errors())


def test_a_sign_symmetric_bias_free_pool_is_one_block_of_even_odd_factorization():
    pool = rf.sample_features(10, R - 1, symmetric=True, seed=2)
    solve, stages, _ = _sliced(pool)
    assert stages == ["cross-moments", "even/odd factorization"] and solve.total == 2
    assert type(solve.result._factor).__name__ == "_PairedFactor"
    assert np.array_equal(solve.result.relative_errors(), rf.fit_nested(pool).relative_errors())


def test_a_failed_factor_block_raises_the_jitter_and_starts_the_factor_again():
    base = rf.sample_features(6, GRAM_BLOCK + 40, bias_std=1.0, seed=4)
    W = np.vstack([base.W, base.W[:40]])                     # 40 features twice: K is singular
    b = np.concatenate([base.b, base.b[:40]])
    pool = FeaturePool(W=W, b=b, distribution=base.distribution, symmetric=False, bias_std=1.0, seed=4)
    one = rf.fit_nested(pool, jitter=0.0)
    solve, stages, counts = _sliced(pool)
    assert one.jitter > 0.0
    solve = NestedSolve(pool, jitter=0.0)
    done = []
    while not solve.finished:
        solve.advance(max_seconds=1e-9)
        done.append(solve.done)
    assert any(b < a for a, b in zip(done, done[1:], strict=False))           # the count went back: factor again
    assert solve.result.jitter == one.jitter
    assert np.array_equal(solve.result.relative_errors(), one.relative_errors())


def test_the_blocked_cholesky_factors_k_plus_its_jitter_to_rounding():
    pool = rf.sample_features(20, R, bias_std=1.0, seed=5)
    K = gram_matrix(pool)
    L, jitter = _cholesky(K, 1e-10)
    eps = jitter * float(K.diagonal().mean())
    A = K + eps * torch.eye(R, dtype=K.dtype)
    assert torch.equal(L, torch.tril(L))
    # a backward-stable Cholesky: |L L^T - A| <= c R u |A| (Higham, Thm 10.3); u = 1.1e-16, c R ~ 1e2 here
    assert float((L @ L.T - A).abs().max()) <= 1e-13 * float(A.abs().max())
    # the same factor as LAPACK's up to rounding in the order of the sums (amplified by cond(A) ~ 1 / eps)
    ref = torch.linalg.cholesky(A)
    assert float((L - ref).abs().max()) <= 1e-6 * float(ref.abs().max())


@pytest.mark.parametrize("kind", list(POOLS))
def test_the_gram_matrix_in_row_blocks_is_the_kernel_of_the_whole_pool(kind):
    pool = rf.sample_features(9, R, seed=6, **POOLS[kind])
    K = gram_matrix(pool).numpy()
    if pool.b is None:
        ref = rf.relu_kernel(pool.W)
    else:
        ref = g.biased_relu_kernel(pool.W, pool.b, precise=False)
    # the same formulas on other blocks: rounding only (the fast kernel is absolutely accurate to ~2e-15 (1+|b|)^2)
    np.testing.assert_allclose(K, ref, rtol=0, atol=1e-13 * float(np.abs(ref).max()))


def test_pair_rows_are_rows_of_the_pair_gram_and_refuse_bad_ranges():
    pool = rf.sample_features(7, 60, bias_std=1.0, seed=7)
    whole = g.biased_relu_pair_gram(pool.W, pool.b)
    rows = g.biased_relu_pair_rows(pool.W, pool.b, 10, 25)
    assert rows.shape == (30, 120)
    np.testing.assert_allclose(rows, whole[20:50], rtol=0, atol=1e-14 * float(np.abs(whole).max()))
    for start, stop in [(5, 5), (0, 61), (30, 20)]:
        with pytest.raises(ValueError, match=r"start and stop must satisfy 0 <= start < stop <= 60"):
            g.biased_relu_pair_rows(pool.W, pool.b, start, stop)


def test_nested_solve_refuses_bad_input():
    pool = rf.sample_features(4, 30, bias_std=1.0, seed=0)
    with pytest.raises(TypeError, match="pool must be a FeaturePool"):
        NestedSolve(np.ones((3, 4)))
    with pytest.raises(ValueError, match="jitter"):
        NestedSolve(pool, jitter=-1.0)
    with pytest.raises(ValueError, match="max_seconds"):
        NestedSolve(pool).advance(max_seconds=0.0)
