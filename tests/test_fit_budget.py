"""The magnitude-budget QP |u_i| <= M / r (rfexplore.boxqp): oracle tests against an independent
reference solution (scipy's bounded-variable least squares on a factor of the dense Gram matrix),
for sign-symmetric pools (even/odd solver, even and odd widths) and i.i.d. pools (dense solver).

Tolerances derive from what the solver certifies: it stops at relative KKT residual <= tol and
reports the Frank-Wolfe gap ``g.u + B |g|_1 >= f(u) - min f``; so the fitted error exceeds the
reference by at most that gap (plus the reference's own rounding, 1e-13 relative), and the fitted
functions differ in L2 by at most ``sqrt(2 (gap + 1e-13 kss))`` (see ``function_distance``).
"""

import math

import numpy as np
import pytest
import torch
from scipy.optimize import lsq_linear

import rfexplore as rf
from rfexplore.boxqp import BoxQPResult, box_qp_optimality, solve_dense_qp, solve_paired_qp
from rfexplore.fit import gram_matrix

REF_ROUNDING = 1e-13        # relative accuracy granted to the reference objective


def reference(K, k, bound):
    """BVLS on L^T with K = L L^T from the eigendecomposition (null directions of a singular K
    dropped; k lies in the range of K): min |L^T u - a|^2 = u^T K u - 2 k^T u + const."""
    lam, Q = np.linalg.eigh(K)
    keep = lam > 1e-13 * lam.max()
    Lt = np.sqrt(lam[keep])[:, None] * Q[:, keep].T
    a = (Q[:, keep].T @ k) / np.sqrt(lam[keep])
    return lsq_linear(Lt, a, bounds=(-bound, bound), method="bvls", tol=1e-15).x


def kkt_violation(K, k, bound, u):
    """The box-QP optimality conditions, computed here independently of the solver, relative to
    2 |k|_inf (the module's definition)."""
    g = 2 * (K @ u - k)
    upper, lower = u >= bound * (1 - 1e-9), u <= -bound * (1 - 1e-9)
    free = ~(upper | lower)
    viol = np.concatenate([np.abs(g[free]), np.maximum(g[upper], 0), np.maximum(-g[lower], 0)])
    return viol.max() / (2 * np.abs(k).max())


def function_distance(K, u, v):
    """|N_u - N_v|^2 in L2(Gaussian) = (u - v)^T K (u - v). For any minimizer v and feasible u,
    f(u) - f(v) >= (u - v)^T K (u - v) (convexity plus the optimality of v)."""
    return float((u - v) @ K @ (u - v))


def case(d, r, budget_fraction, *, seed=0, symmetric=True, bias_std=0.0):
    pool = rf.sample_features(d, r + (r % 2 if symmetric else 0), symmetric=symmetric, bias_std=bias_std,
                              seed=seed)
    nested = rf.fit_nested(pool)
    free = nested.fit(r)
    return nested, free, budget_fraction * free.magnitude


# --------------------------------------------------------------------------- oracle


@pytest.mark.parametrize("d, r, fraction", [
    (5, 30, 0.5), (5, 31, 0.5), (8, 80, 0.2), (8, 81, 0.9), (6, 12, 0.5), (6, 13, 0.3),
    (10, 200, 0.3), (20, 301, 0.1), (20, 300, 0.6),
])
def test_paired_budget_fit_matches_reference(d, r, fraction):
    nested, free, M = case(d, r, fraction, seed=d + r)
    assert nested._factor.__class__.__name__ == "_PairedFactor"
    res = nested.fit(r, magnitude=M, warm_start=False)
    B = M / r
    assert res.method == "constrained" and res.converged and res.kkt_residual <= 1e-10
    u = res.weights
    assert np.abs(u).max() <= B * (1 + 1e-12)                    # feasible to 1e-12 relative
    assert res.magnitude == pytest.approx(M, rel=1e-12)          # a binding budget is used in full
    K = gram_matrix(nested.pool.head(r)).numpy()                 # the dense Gram, not the even/odd split
    k = nested.k[:r].numpy()
    kss = nested.kss
    assert kkt_violation(K, k, B, u) <= 1e-10
    ref = reference(K, k, B)
    err_ref = (ref @ K @ ref - 2 * k @ ref + kss) / kss
    assert -REF_ROUNDING <= res.relative_error - err_ref <= res.gap + REF_ROUNDING
    assert function_distance(K, u, ref) / kss <= 2 * (res.gap + REF_ROUNDING)
    assert free.relative_error < res.relative_error
    if r // 2 <= d:                                              # K regular: the weights are unique
        lam_min = np.linalg.eigvalsh(K)[0]
        assert np.abs(u - ref).max() <= math.sqrt(2 * (res.gap + REF_ROUNDING) * kss / lam_min) + 1e-9 * B


@pytest.mark.parametrize("d, r, fraction, kind", [
    (5, 30, 0.5, dict()), (8, 81, 0.3, dict()), (6, 40, 0.5, dict(bias_std=1.0)),
    (6, 51, 0.4, dict(bias_std=0.5, symmetric=True)),
])
def test_dense_budget_fit_matches_reference(d, r, fraction, kind):
    symmetric = kind.pop("symmetric", False)
    nested, free, M = case(d, r, fraction, seed=r, symmetric=symmetric, **kind)
    assert nested._factor.__class__.__name__ == "_DenseFactor"
    res = nested.fit(r, magnitude=M, warm_start=False)
    B = M / r
    assert res.converged and res.kkt_residual <= 1e-10 and np.abs(res.weights).max() <= B * (1 + 1e-12)
    K, k, kss = nested.gram(r).numpy(), nested.k[:r].numpy(), nested.kss
    ref = reference(K, k, B)
    err_ref = (ref @ K @ ref - 2 * k @ ref + kss) / kss
    assert -REF_ROUNDING <= res.relative_error - err_ref <= res.gap + REF_ROUNDING
    assert function_distance(K, res.weights, ref) / kss <= 2 * (res.gap + REF_ROUNDING)
    lam = np.linalg.eigvalsh(K)
    if lam[0] > 1e-8 * lam[-1]:                                  # K well enough conditioned: unique weights
        assert np.abs(res.weights - ref).max() <= math.sqrt(2 * (res.gap + REF_ROUNDING) * kss / lam[0]) + 1e-9 * B


@pytest.mark.parametrize("r", [40, 41])
def test_budget_above_the_best_magnitude_gives_the_minimum_norm_fit(r):
    nested, free, _ = case(6, r, 1.0, seed=4)
    M = free.magnitude * 1.001
    fit = nested.fit(r, magnitude=M)
    assert fit.method == "exact" and np.array_equal(fit.weights, free.weights)
    # the QP itself, started from its default (the best weights), stops at once on the same weights
    # the QP itself, started from its default (the best weights, optimal up to the factorization's
    # jitter), stays on them
    res = nested.solve_budget(r, M)
    assert res.converged and res.iterations <= 5
    assert np.allclose(res.weights.numpy(), nested.weights(r).numpy(), rtol=0, atol=1e-8 * M / r)
    # from elsewhere it reaches the same error (the weights of a sign-symmetric pool are not unique)
    res0 = nested.solve_budget(r, M, u0=np.zeros(r))
    assert res0.converged
    best = nested.objective(r, torch.as_tensor(free.weights))      # without the factorization's jitter
    err0 = (res0.objective + nested.kss) / nested.kss
    assert best - res0.gap / nested.kss - 1e-13 <= err0 <= best + 1e-13


def test_error_rises_as_the_budget_shrinks_and_warm_starts_do_not_change_it():
    nested, free, _ = case(10, 400, 1.0, seed=1)
    budgets = [free.magnitude * f for f in (0.6, 0.3, 0.1, 0.03)]
    warm = [nested.fit(400, magnitude=M) for M in budgets]       # each from the previous solution
    cold = [rf.fit_nested(nested.pool).fit(400, magnitude=M, warm_start=False) for M in budgets]
    for w, c in zip(warm, cold, strict=True):
        assert w.converged and c.converged
        assert abs(w.relative_error - c.relative_error) <= max(w.gap, c.gap) + 1e-13
    errs = [w.relative_error for w in warm]
    best = nested.objective(400, torch.as_tensor(free.weights))  # the best weights' error, without jitter
    assert best < errs[0] < errs[1] < errs[2] < errs[3]


def test_width_moves_under_a_budget_warm_start_from_the_previous_width():
    nested, _, _ = case(10, 500, 1.0, seed=2)
    M = 5.0
    for r in (300, 301, 350, 240, 241):
        warm = nested.fit(r, magnitude=M)
        cold = rf.fit_nested(nested.pool).fit(r, magnitude=M, warm_start=False)
        assert warm.converged and np.abs(warm.weights).max() <= M / r * (1 + 1e-12)
        assert abs(warm.relative_error - cold.relative_error) <= max(warm.gap, cold.gap) + 1e-13


@pytest.mark.parametrize("d, r, seed", [(10, 300, 3), (10, 301, 4), (40, 300, 5), (5, 60, 6)])
def test_early_face_steps_from_a_nearby_solution_reach_the_same_optimum(d, r, seed):
    """The face-step schedule a caller may set in the solver's hint (``budget_needed`` does: its starts are
    a nearby budget's solution, scaled): the same optimum, by the independent KKT check and against a
    cold fit (within the certified gaps), in fewer steps than the default schedule from the same start."""
    nested, free, M = case(d, r, 0.3, seed=seed)
    first = nested.fit(r, magnitude=M, warm_start=False)
    K, k, kss = gram_matrix(nested.pool.head(r)).numpy(), nested.k[:r].numpy(), nested.kss
    steps = {"early": 0, "usual": 0}
    for f in (1.03, 0.97, 1.2):
        M2, u0 = M * f, first.weights * f
        early = nested.fit(r, magnitude=M2, u0=u0, hint=dict(face_first=1, face_stable=0, face_every=3))
        usual = nested.fit(r, magnitude=M2, u0=u0, hint={})
        cold = rf.fit_nested(nested.pool).fit(r, magnitude=M2, warm_start=False)
        assert early.converged and kkt_violation(K, k, M2 / r, early.weights) <= 1e-10
        assert np.abs(early.weights).max() <= M2 / r * (1 + 1e-12)
        assert abs(early.relative_error - cold.relative_error) <= max(early.gap, cold.gap) + 1e-13
        assert function_distance(K, early.weights, cold.weights) / kss <= 2 * (early.gap + cold.gap + REF_ROUNDING)
        steps["early"] += early.iterations
        steps["usual"] += usual.iterations
    assert steps["early"] < steps["usual"]


def test_a_fit_with_its_own_hint_leaves_the_objects_cache_alone():
    nested, free, M = case(8, 80, 0.3, seed=7)
    own = {}
    nested.fit(80, magnitude=M, u0=free.weights, hint=own)
    assert own and not nested._budget_hint                       # the solver's state went to the caller's dict


# --------------------------------------------------------------------------- the certificates


def test_kkt_residual_and_gap_by_hand():
    u = torch.tensor([1.0, -1.0, 0.5, 1.0, 0.0])
    g = torch.tensor([-2.0, -3.0, 0.25, 1.5, -0.1])  # ok at +B; wrong sign at -B; free; wrong at +B; free
    res, gap = box_qp_optimality(u, g, 1.0, 2.0)
    assert res == pytest.approx(3.0 / 2.0)
    # gap = sum g_i u_i + B |g_i| = (-2+2) + (3+3) + (0.125+0.25) + (1.5+1.5) + (0+0.1)
    assert gap == pytest.approx(9.475)
    present = torch.tensor([True, False, True, False, True])
    res_p, gap_p = box_qp_optimality(u, g, 1.0, 2.0, present=present)
    assert res_p == pytest.approx(0.25 / 2.0) and gap_p == pytest.approx(0.475)


def test_gap_bounds_the_distance_to_the_optimum_of_any_feasible_point():
    nested, free, M = case(8, 120, 0.3, seed=5)
    B = M / 120
    K, k = nested.K, nested.k[:120]
    best = nested.fit(120, magnitude=M, warm_start=False)
    f_star = (best.relative_error - 1) * nested.kss
    rng = np.random.default_rng(0)
    for _ in range(20):
        u = torch.tensor(rng.uniform(-B, B, 120))
        g = 2 * (K @ u - k)
        _, gap = box_qp_optimality(u, g, B, 1.0)
        f = float(u @ K @ u - 2 * k @ u)
        assert f - f_star <= gap * (1 + 1e-12)


# --------------------------------------------------------------------------- bounded, interruptible


def test_budget_fit_stops_early_when_told_and_continues_to_the_same_optimum():
    nested, free, M = case(10, 300, 0.2, seed=3)
    short = nested.fit(300, magnitude=M, max_iter=2, warm_start=False)
    assert not short.converged and short.kkt_residual > 1e-10
    assert np.abs(short.weights).max() <= M / 300 * (1 + 1e-12)          # still feasible
    full = rf.fit_nested(nested.pool).fit(300, magnitude=M, warm_start=False)
    assert short.relative_error >= full.relative_error - full.gap - 1e-13
    assert short.relative_error - full.relative_error <= short.gap + 1e-13  # the gap certifies it
    cont = nested.fit(300, magnitude=M, u0=short.weights)                   # continue from there
    assert cont.converged and abs(cont.relative_error - full.relative_error) <= cont.gap + full.gap + 1e-13


def test_repeated_short_budget_fits_continue_where_the_last_stopped():
    # what a dashboard does to stay responsive: a few steps per call until the fit has converged
    nested, free, M = case(10, 301, 0.2, seed=6)
    calls = []
    for _ in range(100):
        calls.append(nested.fit(301, magnitude=M, max_iter=4))
        if calls[-1].converged:
            break
    assert calls[-1].converged and len(calls) > 1 and all(not c.converged for c in calls[:-1])
    errs = [c.relative_error for c in calls]
    cold = rf.fit_nested(nested.pool).fit(301, magnitude=M, warm_start=False)
    assert abs(errs[-1] - cold.relative_error) <= calls[-1].gap + cold.gap + 1e-13
    assert all(e >= cold.relative_error - cold.gap - 1e-13 for e in errs)   # every call is feasible


def test_callback_sees_progress_and_can_stop():
    nested, free, M = case(10, 300, 0.2, seed=3)
    seen = []

    def stop_at_three(info):
        seen.append(info)
        return info["iteration"] >= 3

    res = nested.solve_budget(300, M, u0=np.zeros(300), callback=stop_at_three)
    assert isinstance(res, BoxQPResult) and not res.converged and res.iterations == 3
    assert [i["iteration"] for i in seen] == [0, 1, 2, 3]
    assert all(set(i) == {"iteration", "objective", "kkt_residual", "gap", "seconds"} for i in seen)
    assert seen[-1]["objective"] == pytest.approx(res.objective)


def test_time_limit_returns_a_feasible_unconverged_point():
    nested, free, M = case(10, 300, 0.2, seed=3)
    res = nested.solve_budget(300, M, u0=np.zeros(300), max_seconds=1e-9)
    assert not res.converged and res.iterations <= 1 and float(res.weights.abs().max()) <= M / 300 * (1 + 1e-12)
    dense = solve_dense_qp(nested.K, nested.k[:300], M / 300, max_iter=5)
    assert not dense.converged and dense.iterations == 5


def test_paired_solver_directly_on_a_lone_pair():
    # one pair, width 1: the feature relu(<w,x>) alone, |u| <= B; the optimum is clip(k / K) for the
    # 1x1 problem K = |w|^2 / 2, k = E[relu(<w,x>) y]
    pool = rf.sample_features(3, 2, symmetric=True, seed=0)
    nested = rf.fit_nested(pool)
    u_free = float(nested.k[0]) / (float(np.sum(pool.W[0] ** 2)) / 2)
    for B in (abs(u_free) / 3, abs(u_free) * 2):
        E = nested._factor.even_gram()[:1, :1]
        ke, ko = nested.k[0:1] + nested.k[1:2], nested.k[0:1] - nested.k[1:2]
        res = solve_paired_qp(E, nested._factor.V[:1], ke, ko, B, lone=True)
        assert res.weights.shape == (1,) and res.converged
        assert float(res.weights[0]) == pytest.approx(float(np.clip(u_free, -B, B)), rel=1e-12)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, message", [
    (lambda n: n.fit(10, magnitude=1.0, tol=0.0), "tol must be a finite positive number, got 0.0"),
    (lambda n: n.fit(10, magnitude=1.0, max_iter=-1), "max_iter must be a non-negative integer, got -1"),
    (lambda n: n.fit(10, magnitude=1.0, max_iter=2.5), "max_iter must be a non-negative integer, got 2.5"),
    (lambda n: n.fit(10, magnitude=1.0, max_seconds=0), "max_seconds must be a positive number or None"),
    (lambda n: n.solve_budget(10, 1.0, u0=np.zeros(9)), r"u0 must have one weight per feature, shape \(10,\)"),
    (lambda n: n.solve_budget(10, None), "magnitude must be a positive number for a budget fit, got None"),
])
def test_bad_budget_settings(call, message):
    nested = rf.fit_nested(rf.sample_features(4, 20, symmetric=True, seed=0))
    with pytest.raises(ValueError, match=message):
        call(nested)


# --------------------------------------------------------------------------- in slices, the same bits


def _one_call(nested, m, M):
    return nested.budget_solve(m, M).advance()


def _sliced(solve, **limits):
    results = []
    while not solve.done:
        results.append(solve.advance(**limits))
        assert len(results) < 10000
    return results


@pytest.mark.parametrize("d, r, fraction, symmetric, seed", [(10, 300, 0.2, True, 3), (10, 301, 0.2, True, 6),
                                                             (6, 120, 0.3, False, 1)])
def test_a_budget_fit_in_slices_ends_at_the_bits_of_one_call(d, r, fraction, symmetric, seed):
    nested, free, M = case(d, r, fraction, seed=seed, symmetric=symmetric)
    one = _one_call(rf.fit_nested(nested.pool), r, M)
    assert one.converged and one.kkt_residual <= 1e-10
    for limits in (dict(max_iter=1), dict(max_iter=7), dict(max_seconds=1e-9)):
        solve = nested.budget_solve(r, M)
        steps = _sliced(solve, **limits)
        assert len(steps) > 1 and all(not s.converged for s in steps[:-1]) and steps[-1].converged
        assert all(np.abs(s.weights).max() <= M / r * (1 + 1e-12) for s in steps)       # every slice feasible
        last = steps[-1]
        assert np.array_equal(last.weights, one.weights) and last.relative_error == one.relative_error
        assert solve.advance() is last                                  # final: nothing more to run


def test_a_slice_can_pause_inside_a_face_step():
    # a loose budget: many free coordinates, face steps with several factorizations; with a time limit
    # that every pause point meets, a slice ends after one step or one face solution (0 steps)
    nested, free, M = case(12, 400, 0.6, seed=2)
    one = _one_call(rf.fit_nested(nested.pool), 400, M)
    steps = _sliced(nested.budget_solve(400, M), max_seconds=1e-9)
    assert any(s.iterations == 0 for s in steps[:-1])                   # paused between factorizations
    assert np.array_equal(steps[-1].weights, one.weights)


def test_a_budget_solve_does_not_depend_on_what_was_solved_before():
    nested, free, M = case(10, 300, 0.2, seed=3)
    fresh = _one_call(rf.fit_nested(nested.pool), 300, M)
    for m, budget in ((250, M), (300, 2 * M), (300, M / 3), (200, M)):   # warm-started fits fill its caches
        nested.fit(m, magnitude=budget)
    again = _one_call(nested, 300, M)
    cold = nested.fit(300, magnitude=M, warm_start=False)               # the first slice of the same solve
    for res in (again, cold):
        assert np.array_equal(res.weights, fresh.weights) and res.relative_error == fresh.relative_error


def test_an_interrupted_slice_keeps_the_last_result_and_still_ends_at_the_same_bits():
    nested, free, M = case(10, 300, 0.2, seed=3)
    one = _one_call(rf.fit_nested(nested.pool), 300, M)
    solve = nested.budget_solve(300, M)
    first = solve.advance(max_iter=3)

    def ctrl_c(info):
        if info["iteration"] >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        solve.advance(callback=ctrl_c)
    assert solve.result is first and not solve.done
    assert np.array_equal(_sliced(solve, max_iter=5)[-1].weights, one.weights)


def test_a_budget_the_best_fit_meets_is_final_at_once():
    nested, free, _ = case(10, 300, 0.2, seed=3)
    solve = nested.budget_solve(300, 2 * free.magnitude)
    res = solve.advance(max_iter=0)
    assert solve.done and res.method == "exact" and res.relative_error == free.relative_error


def test_budget_solve_refuses_bad_input():
    nested, free, M = case(10, 300, 0.2, seed=3)
    with pytest.raises(ValueError, match="magnitude must be a positive number for a budget fit, got None"):
        nested.budget_solve(300, None)
    with pytest.raises(ValueError, match="width must be at most the pool size 300, got 301"):
        nested.budget_solve(301, M)
    with pytest.raises(ValueError, match="tol must be a finite positive number, got 0"):
        nested.budget_solve(300, M, tol=0)
