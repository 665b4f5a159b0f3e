/* rfexplore explorable: select precomputed exact numbers and redraw the tour's figures. No network,
   no kernel. The hash grammar mirrors rfexplore/explorable/config.py (same rules, same messages). */
"use strict";

(function (root) {
  const HASH_KEYS = ["d", "r", "M", "lr", "seed", "pairs", "step"];
  const TOUR_KEYS = ["norm", "steps"];
  const INT_RE = /^[0-9]+$/;
  const REAL_RE = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

  // ------------------------------------------------------------------ hash (as config.py)
  function decode(raw) {
    if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return null;
    try { return decodeURIComponent(raw); } catch (e) { return null; }
  }

  function oneOf(name, labels, raw) {
    return name + " must be one of " + labels.join(", ") + " (the computed grid), got '" + raw + "'";
  }

  function parseValue(key, raw, grid) {
    if (key === "d" || key === "seed") {
      const values = key === "d" ? grid.ds : grid.seeds;
      if (INT_RE.test(raw) && values.includes(Number(raw))) return [Number(raw), null];
      return [null, oneOf(key, values.map(String), raw)];
    }
    if (key === "r") {
      if (INT_RE.test(raw) && Number(raw) >= 1 && Number(raw) <= grid.pool_size) return [Number(raw), null];
      return [null, "r must be an integer from 1 to " + grid.pool_size + ", got '" + raw + "'"];
    }
    if (key === "step") {
      if (INT_RE.test(raw) && Number(raw) <= grid.steps) return [Number(raw), null];
      return [null, "step must be an integer from 0 to " + grid.steps + ", got '" + raw + "'"];
    }
    if (key === "M") {
      if (raw === "none") return [null, null];
      if (REAL_RE.test(raw) && grid.budgets.includes(Number(raw))) return [Number(raw), null];
      return [null, "M must be none or one of " + grid.budget_labels.join(", ") +
                    " (the computed grid), got '" + raw + "'"];
    }
    if (key === "lr") {
      if (REAL_RE.test(raw) && grid.lrs.includes(Number(raw))) return [Number(raw), null];
      return [null, oneOf("lr", grid.lr_labels, raw)];
    }
    if (key === "pairs") {
      const value = {"1": true, "true": true, "0": false, "false": false}[raw];
      if (value === undefined) return [null, "pairs must be 0 or 1, got '" + raw + "'"];
      if (!grid.pairs.includes(value)) return [null, oneOf("pairs", grid.pairs.map(p => String(Number(p))), raw)];
      return [value, null];
    }
    if (key === "norm") {
      const ok = REAL_RE.test(raw) && Number(raw) === 1;
      return [null, ok ? null : "norm must be 1 (only the unit target |w*| = 1 was computed), got '" + raw + "'"];
    }
    if (key === "steps") {
      const ok = INT_RE.test(raw) && Number(raw) === grid.steps;
      return [null, ok ? null : "steps must be " + grid.steps + " (the computed training length), got '" + raw + "'"];
    }
    throw new Error(key);
  }

  function parseHash(text, grid) {
    const config = Object.assign({}, grid.defaults);
    const problems = [], seen = new Set();
    for (const part of (text.startsWith("#") ? text.slice(1) : text).split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      if (eq < 0) { problems.push("'" + part + "' in the link is not of the form key=value"); continue; }
      const key = decode(part.slice(0, eq)), raw = decode(part.slice(eq + 1));
      if (key === null || raw === null) { problems.push("'" + part + "' in the link is not valid percent-encoding"); continue; }
      if (!HASH_KEYS.includes(key) && !TOUR_KEYS.includes(key)) {
        problems.push("unknown parameter '" + key + "' in the link; known: " + HASH_KEYS.join(", "));
        continue;
      }
      if (seen.has(key)) { problems.push(key + " is given twice in the link"); continue; }
      seen.add(key);
      const [value, problem] = parseValue(key, raw, grid);
      if (problem !== null) problems.push(problem);
      else if (HASH_KEYS.includes(key)) config[key] = value;
    }
    return {config: problems.length ? Object.assign({}, grid.defaults) : config, problems: problems};
  }

  function label(values, labels, v) { return labels[values.indexOf(v)]; }

  function toHash(c, grid) {
    return ["d=" + c.d, "r=" + c.r, "M=" + (c.M === null ? "none" : label(grid.budgets, grid.budget_labels, c.M)),
            "lr=" + label(grid.lrs, grid.lr_labels, c.lr), "seed=" + c.seed, "pairs=" + (c.pairs ? 1 : 0),
            "step=" + c.step].join("&");
  }

  // ------------------------------------------------------------------ Python's number formats
  function strip(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }
  function exponent(e) { return (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e); }
  function special(x) { return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf"); }
  function fmtF(x, p) { return isFinite(x) ? x.toFixed(p) : special(x); }           // f"{x:.pf}"
  function fmtE(x, p) {                                                              // f"{x:.pe}"
    if (!isFinite(x)) return special(x);
    const [m, e] = x.toExponential(p).split("e");
    return m + "e" + exponent(Number(e));
  }
  function fmtG(x, p) {                                                              // f"{x:.pg}"
    if (!isFinite(x)) return special(x);
    if (x === 0) return "0";
    const [m, es] = x.toExponential(p - 1).split("e");
    const e = Number(es);
    if (e < -4 || e >= p) return strip(m) + "e" + exponent(e);
    return strip(x.toFixed(p - 1 - e));
  }

  // ------------------------------------------------------------------ the numbers
  const cache = new Map();
  function f64(b64) {                    // float64 little-endian, base64 (as page.py writes them)
    let out = cache.get(b64);
    if (out === undefined) {
      const bin = atob(b64), bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      const view = new DataView(bytes.buffer);
      out = new Float64Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
      cache.set(b64, out);
    }
    return out;
  }

  function atOrBelow(widths, r) {        // the largest computed width <= r (widths start at 1)
    let best = widths[0];
    for (const w of widths) if (w <= r) best = w;
    return best;
  }

  // Everything the figures and the readout show for configuration c (the tour's numbers()).
  function numbers(data, c) {
    const g = data.grid;
    const di = g.ds.indexOf(c.d), pi = g.pairs.indexOf(c.pairs), si = g.seeds.indexOf(c.seed);
    const pool = data.pools[di][pi][si];
    const errors = f64(pool.errors), mags = f64(pool.magnitudes), l2 = f64(pool.l2_norms);
    const stair = data.staircase[di][pi];
    let plateau = 1.0;
    stair.widths.forEach((w, j) => { if (w <= c.r) plateau = stair.levels[j]; });
    const mi = c.M === null ? 0 : 1 + g.budgets.indexOf(c.M);
    const widths = mi === 0 ? g.train_widths : g.budget_widths;
    const trainWidth = atOrBelow(widths, c.r);
    const curve = data.training[di][pi][si][mi][widths.indexOf(trainWidth)];
    const neuron = data.neurons[di][si][g.lrs.indexOf(c.lr)];
    let budget = null, budgetHow = null;
    if (c.M !== null) {
      if (g.budget_widths.includes(c.r)) { budget = curve.best_error; budgetHow = "computed"; }
      else if (mags[c.r - 1] <= c.M) { budget = errors[c.r - 1]; budgetHow = "within"; }
      else budgetHow = "missing";
    }
    const out = {
      d: c.d, width: c.r, rf_error: errors[c.r - 1], plateau: plateau, magnitude: mags[c.r - 1],
      l2_norm: l2[c.r - 1], rf_error_with_budget: budget, budget_how: budgetHow, step: c.step,
      jitter: pool.jitter, second_moment: pool.second_moment, train_width: trainWidth,
      rf_best: curve.best_error, errors: errors, magnitudes: mags, staircase: stair,
      rf_losses: f64(curve.losses), neuron_losses: f64(neuron.losses),
      distances: f64(neuron.distances), angles: f64(neuron.angles),
    };
    if (c.step > 0) {
      out.neuron_error = out.neuron_losses[c.step];
      out.rf_training_error = out.rf_losses[c.step];
    }
    return out;
  }

  const api = {HASH_KEYS, parseHash, toHash, fmtF, fmtE, fmtG, numbers, atOrBelow};
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  root.rfexplore = api;
  if (typeof document === "undefined") return;

  // ------------------------------------------------------------------ the page
  const data = JSON.parse(document.getElementById("explorable-data").textContent);
  const specs = JSON.parse(document.getElementById("explorable-figures").textContent);
  const g = data.grid;
  const $ = id => document.getElementById(id);
  let state = Object.assign({}, g.defaults), timer = null, hashTimer = null, lastHash = null;

  function range(n, start) { return Array.from({length: n}, (_, i) => i + start); }
  const allWidths = range(g.pool_size, 1);

  // Plain arrays for plotly, made once per stored array and prefix: Plotly.react redraws a trace only when
  // its arrays are new objects, so an unchanged curve costs nothing when another control moves.
  const derived = new WeakMap();
  function view(arr, t, how) {           // arr[0..t] as "raw", "floor" (plots._floor: log axes) or "deg"
    let m = derived.get(arr);
    if (m === undefined) { m = new Map(); derived.set(arr, m); }
    const key = how + ":" + t;
    let v = m.get(key);
    if (v === undefined) {
      v = Array.from(arr.subarray(0, t + 1));
      if (how === "floor") v = v.map(y => (y > 1e-16 ? y : 1e-16));
      if (how === "deg") v = v.map(a => a * 180 / Math.PI);
      m.set(key, v);
    }
    return v;
  }
  const stepsUpTo = new Map();
  function steps(t) {
    if (!stepsUpTo.has(t)) stepsUpTo.set(t, range(t + 1, 0));
    return stepsUpTo.get(t);
  }
  const stairs = new WeakMap();
  function stairXY(stair) {              // plots._staircase_xy: the predicted levels up to the pool size
    if (!stairs.has(stair)) {
      const R = g.pool_size, sw = stair.widths, sl = stair.levels;
      const keep = sw.map((w, j) => j).filter(j => sw[j] <= R);
      stairs.set(stair, keep.length ? {x: keep.map(j => sw[j]).concat([R]),
                                       y: keep.map(j => sl[j]).concat([sl[keep[keep.length - 1]]])} : {x: [], y: []});
    }
    return stairs.get(stair);
  }

  function joinWidths(ws) { return ws.length > 8 ? ws.slice(0, 3).join(", ") + ", …, " + ws[ws.length - 1] : ws.join(", "); }

  function setTrace(fig, role, props) { Object.assign(fig.data[fig.roles[role]], props); }

  function drawWidth(n, c) {
    const fig = specs.width, R = n.errors.length - 1;
    setTrace(fig, "curve", {x: allWidths, y: view(n.errors, R, "floor"), customdata: view(n.errors, R, "raw")});
    setTrace(fig, "staircase", stairXY(n.staircase));
    setTrace(fig, "current", {x: [c.r], y: [n.rf_error]});
    const b = n.rf_error_with_budget;
    setTrace(fig, "budget", b === null ? {x: [], y: []} : {x: [c.r], y: [b]});
    fig.layout.title.text = "Random features: error vs width (d = " + c.d + ")";
  }

  function drawMagnitude(n, c) {
    const fig = specs.magnitude;
    setTrace(fig, "curve", {x: allWidths, y: view(n.magnitudes, n.magnitudes.length - 1, "floor")});
    setTrace(fig, "budget", c.M === null ? {x: [], y: []} : {x: [1, g.pool_size], y: [c.M, c.M]});
    setTrace(fig, "current", {x: [c.r], y: [n.magnitude]});
  }

  function drawTraining(n, c) {
    const fig = specs.training, t = c.step;
    // at step 0 both models are at their start (RF from u = 0, error exactly 1), as in the tour
    setTrace(fig, "rf", {x: steps(t), y: view(n.rf_losses, t, "floor"), customdata: view(n.rf_losses, t, "raw")});
    setTrace(fig, "neuron", {x: steps(t), y: view(n.neuron_losses, t, "floor"),
                             customdata: view(n.neuron_losses, t, "raw")});
    setTrace(fig, "best", {x: [0, g.steps], y: [n.rf_best, n.rf_best]});
    fig.layout.xaxis.range = [0, g.steps];
    // between computed training widths the curve is the nearest computed width's: its legend says which
    fig.data[fig.roles.rf].name = specs.rf_name + (n.train_width === c.r ? "" : ", at r = " + n.train_width);
  }

  function drawTrajectory(n, c) {
    const tr = specs.trajectory, t = c.step;
    setTrace(tr, "distance", {x: steps(t), y: view(n.distances, t, "raw")});
    setTrace(tr, "angle", {x: steps(t), y: view(n.angles, t, "deg")});
    tr.layout.xaxis.range = [0, g.steps];
  }

  function row(key, name, value, note) {
    return "<tr><td>" + name + "</td><td class='value' data-key='" + key + "'>" + value + "</td><td class='note'>" +
           (note || "") + "</td></tr>";
  }

  function drawReadout(n, c) {
    const rows = [
      row("rf_error", "RF error at this width (exact)", fmtF(n.rf_error, 4), "absolute " + fmtG(n.rf_error * n.second_moment, 3)),
      row("plateau", "plateau predicted for this d and width", fmtF(n.plateau, 4), "ReLU energy left in higher degrees"),
      row("magnitude", "size of the best fit r·max|uᵢ|", fmtG(n.magnitude, 3), "|u|₂ = " + fmtG(n.l2_norm, 3)),
    ];
    if (c.M !== null) {
      const name = "RF error with budget M = " + fmtG(c.M, 3);
      if (n.budget_how === "missing")
        rows.push(row("rf_error_with_budget", name, "not computed",
                      "budget fits were precomputed at widths " + joinWidths(g.budget_widths) + " only"));
      else
        rows.push(row("rf_error_with_budget", name, fmtF(n.rf_error_with_budget, 4),
                      n.budget_how === "within" ? "the best fit is within the budget" : ""));
    }
    const at = n.train_width === c.r ? "" : "at width " + n.train_width + " (nearest computed at or below)";
    if (c.step > 0) {
      rows.push(row("neuron_error", "neuron error (gradient descent)", fmtE(n.neuron_error, 2), ""));
      rows.push(row("rf_training_error", "RF error during training", fmtF(n.rf_training_error, 4), at));
    } else {
      rows.push(row("neuron_error", "neuron error (gradient descent)", "press ▶ Play", ""));
    }
    rows.push(row("step", "training step", c.step + " / " + g.steps, ""));
    $("readout").innerHTML = "<table>" + rows.join("") + "</table>";
  }

  const drawn = {};                      // what each figure shows now: redraw only what changed
  function render() {
    const c = state, n = numbers(data, c);
    const keys = {
      width: [c.d, c.pairs, c.seed, c.r, c.M].join("|"),
      magnitude: [c.d, c.pairs, c.seed, c.r, c.M].join("|"),
      training: [c.d, c.pairs, c.seed, c.M, n.train_width, c.r === n.train_width, c.lr, c.step].join("|"),
      trajectory: [c.d, c.seed, c.lr, c.step].join("|"),
    };
    const draw = {width: drawWidth, magnitude: drawMagnitude, training: drawTraining, trajectory: drawTrajectory};
    for (const name of ["training", "width", "magnitude", "trajectory"]) {
      if (drawn[name] === keys[name]) continue;
      draw[name](n, c);
      Plotly.react("fig-" + name, specs[name].data, specs[name].layout, {responsive: true});
      drawn[name] = keys[name];
    }
    drawReadout(n, c);
    syncControls();
    $("link").value = location.href.split("#")[0] + "#" + toHash(c, g);
  }

  // ------------------------------------------------------------------ controls
  const logMax = Math.log10(g.pool_size);
  function syncControls() {
    $("d").value = String(state.d);
    $("width").value = String(state.r);
    $("width-slider").value = String(Math.log10(state.r));
    $("pairs").checked = state.pairs;
    $("seed").value = String(state.seed);
    $("M").value = state.M === null ? "none" : String(state.M);
    $("lr").value = String(state.lr);
    $("step").value = String(state.step);
    $("step-value").textContent = state.step + " / " + g.steps;
  }

  function writeHash() {                 // replaceState: no history entry per slider move, no hashchange
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      lastHash = "#" + toHash(state, g);
      history.replaceState(null, "", lastHash);
    }, 150);
  }

  function change(props) {
    Object.assign(state, props);
    $("message").textContent = "";
    render();
    writeHash();
  }

  function fromHash() {
    if (location.hash === lastHash) return;
    const parsed = parseHash(location.hash, g);
    state = parsed.config;
    $("message").textContent = parsed.problems.length ?
      "⚠ This link has a bad value, so the page shows the defaults: " + parsed.problems.join("; ") : "";
    render();
  }

  function options(select, values, labels) {
    select.innerHTML = values.map((v, i) => "<option value='" + v + "'>" + labels[i] + "</option>").join("");
  }

  function setup() {
    options($("d"), g.ds, g.ds.map(String));
    options($("seed"), g.seeds, g.seeds.map(String));
    options($("lr"), g.lrs, g.lr_labels);
    options($("M"), ["none"].concat(g.budgets), ["no limit"].concat(g.budget_labels));
    $("pairs").disabled = g.pairs.length < 2;
    $("width").max = String(g.pool_size);
    $("width-slider").max = String(logMax);
    $("step").max = String(g.steps);
    $("d").addEventListener("change", e => change({d: Number(e.target.value)}));
    $("seed").addEventListener("change", e => change({seed: Number(e.target.value)}));
    $("lr").addEventListener("change", e => change({lr: Number(e.target.value)}));
    $("M").addEventListener("change", e => change({M: e.target.value === "none" ? null : Number(e.target.value)}));
    $("pairs").addEventListener("change", e => change({pairs: e.target.checked}));
    $("width-slider").addEventListener("input", e =>
      change({r: Math.min(g.pool_size, Math.max(1, Math.round(Math.pow(10, Number(e.target.value)))))}));
    $("width").addEventListener("change", e => {
      const v = e.target.value.trim();
      if (/^[0-9]+$/.test(v) && Number(v) >= 1 && Number(v) <= g.pool_size) change({r: Number(v)});
      else { $("message").textContent = "⚠ width r must be an integer from 1 to " + g.pool_size + ", got '" + v + "'"; syncControls(); }
    });
    $("step").addEventListener("input", e => change({step: Number(e.target.value)}));
    $("play").addEventListener("click", () => {
      if (timer !== null) { clearInterval(timer); timer = null; $("play").textContent = "▶ Play"; return; }
      if (state.step >= g.steps) change({step: 0});
      $("play").textContent = "❚❚ Pause";
      timer = setInterval(() => {
        const next = Math.min(g.steps, state.step + Math.max(1, Math.floor(g.steps / 100)));
        change({step: next});
        if (next >= g.steps) { clearInterval(timer); timer = null; $("play").textContent = "▶ Play"; }
      }, 40);
    });
    $("link").addEventListener("focus", e => e.target.select());
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  setup();
})(typeof window !== "undefined" ? window : globalThis);
