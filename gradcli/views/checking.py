"""`gradcli check`: autograd against central finite differences, like torch.autograd.gradcheck.

Everything runs in float64. The numerical Jacobian column j is
    (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)
and an entry passes when |analytical - numerical| <= atol + rtol * |numerical|
(gradcheck's test, with its defaults eps=1e-6, atol=1e-5, rtol=1e-3).

Small problems (at most FULL_LIMIT Jacobian entries, FULL_EVALUATIONS program runs)
compare the full Jacobian, reverse mode and forward mode both. Larger ones compare
random-direction products instead: the numerical J u against forward mode's J u,
and vᵀ(J u) against reverse mode's (vᵀJ) u, for a few random unit u and v.
Forward against reverse mode is compared in both cases.
"""
from __future__ import annotations

import numpy as np

from ..core import backend, engine
from ..core.tensor import Tensor
from ..errors import CheckFailed, GradcliError
from ..lang.functions import Context

EPS, ATOL, RTOL = 1e-6, 1e-5, 1e-3
FULL_LIMIT = 10 ** 4  # Jacobian entries
FULL_EVALUATIONS = 4000  # program runs for the numerical Jacobian (2 per input element)
DIRECTIONS = 3
WORST = 10


class Point:
    """The program as a function of its differentiated inputs, at the values of a Computation."""

    def __init__(self, comp, seed: int = 0):
        self.comp = comp
        self.seed = seed
        self.values = {n: np.asarray(backend.to_numpy(t.data), dtype=np.float64)
                       for n, t in comp.inputs.items()}
        self.wrt = list(comp.wrt)
        self.shapes = [self.values[n].shape for n in self.wrt]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.n = sum(self.sizes)
        self.output_shapes = None  # the base point's, found by the first f()

    def run(self, flat: np.ndarray | None = None, requires_grad: bool = False):
        """The output Tensors with the wrt inputs set from `flat` (None: the base point)."""
        values = dict(self.values)
        if flat is not None:
            start = 0
            for name, shape, size in zip(self.wrt, self.shapes, self.sizes):
                values[name] = flat[start:start + size].reshape(shape)
                start += size
        leaves = {n: Tensor(backend.from_numpy(v, np.float64), None,
                            requires_grad=requires_grad and n in self.wrt) for n, v in values.items()}
        # A fresh seeded generator each run: rand/randn constants are the same at every point.
        ctx = Context(np.float64, np.random.default_rng(self.seed))
        env = self.comp.program.run(leaves, ctx)
        return [env[n] for n in self.comp.output_names], [leaves[n] for n in self.wrt]

    def f(self, flat: np.ndarray) -> np.ndarray:
        outs, _ = self.run(flat)
        if not outs:
            return np.zeros(0)
        shapes = [tuple(o.shape) for o in outs]
        if self.output_shapes is None:
            self.output_shapes = [tuple(o.shape) for o in self.run()[0]]
        if shapes != self.output_shapes:
            # x[x > 0.5] at x = 0.5: a step of eps changes how many elements are selected.
            changed = next(f"{name} {a} -> {b}" for name, a, b in
                           zip(self.comp.output_names, self.output_shapes, shapes) if a != b)
            raise GradcliError(f"check: an output changes shape next to the point ({changed}): "
                               "a data-dependent selection is at its boundary here, "
                               "so finite differences are undefined", kind="input",
                               hint="move the point away from the boundary, or check an output "
                               "of fixed shape (e.g. a sum of the selection)")
        return np.concatenate([np.asarray(backend.to_numpy(o.data), dtype=np.float64).reshape(-1)
                               for o in outs])

    def x0(self) -> np.ndarray:
        if not self.wrt:
            return np.zeros(0)
        return np.concatenate([self.values[n].reshape(-1) for n in self.wrt])


def _matrix(blocks, outs, ins) -> np.ndarray:
    m = sum(o.size for o in outs)
    n = sum(i.size for i in ins)
    if not outs or not ins:
        return np.zeros((m, n))
    return np.concatenate([np.concatenate([np.asarray(backend.to_numpy(b), dtype=np.float64)
                                           .reshape(o.size, i.size) for b, i in zip(row, ins)], axis=1)
                           for row, o in zip(blocks, outs)], axis=0)


def numerical_jacobian(point: Point, eps: float) -> np.ndarray:
    x0 = point.x0()
    columns = []
    with np.errstate(all="ignore"):
        for j in range(point.n):
            e = np.zeros(point.n)
            e[j] = eps
            columns.append((point.f(x0 + e) - point.f(x0 - e)) / (2 * eps))
    m = point.f(x0).size
    return np.stack(columns, axis=1) if columns else np.zeros((m, 0))


def _compare(name: str, analytical, numerical, atol, rtol, labels) -> dict:
    a = np.asarray(analytical, dtype=np.float64).reshape(-1)
    b = np.asarray(numerical, dtype=np.float64).reshape(-1)
    with np.errstate(all="ignore"):
        err = np.abs(a - b)
        err = np.where(np.isnan(a) & np.isnan(b), 0.0, np.where(np.isnan(err), np.inf, err))
        allowed = atol + rtol * np.abs(b)
        excess = np.where(np.isfinite(allowed), err - allowed, 0.0)
    bad = err > allowed
    order = np.argsort(-excess, kind="stable")[:WORST]
    worst = [{"comparison": name, "entry": labels(int(k)), "autograd": float(a[k]),
              "reference": float(b[k]), "abs_error": float(err[k]), "ok": not bool(bad[k])}
             for k in order if err[k] > 0]
    return {"name": name, "ok": not bool(bad.any()), "entries": int(a.size),
            "failed": int(bad.sum()), "max_abs_error": float(err.max()) if err.size else 0.0,
            "worst": worst}


def check(comp, *, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL, seed: int = 0,
          full: bool | None = None) -> dict:
    """Compare autograd with finite differences (and forward with reverse mode)."""
    point = Point(comp, seed)
    outs, ins = point.run(requires_grad=True)
    m = sum(o.size for o in outs)
    n = point.n
    if full is None:
        full = m * n <= FULL_LIMIT and 2 * n <= FULL_EVALUATIONS
    rows, cols = _labels(point, outs)
    comparisons = []
    if full:
        reverse = _matrix(engine.jacobian_reverse(outs, ins)[0], outs, ins)
        forward = _matrix(engine.jacobian_forward(outs, ins)[0], outs, ins)
        numeric = numerical_jacobian(point, eps)

        def label(k):
            return f"d {rows[k // n]} / d {cols[k % n]}" if n else "?"
        comparisons.append(_compare("reverse vs finite differences", reverse, numeric, atol, rtol, label))
        comparisons.append(_compare("forward vs finite differences", forward, numeric, atol, rtol, label))
        comparisons.append(_compare("forward vs reverse", forward, reverse, atol, rtol, label))
        method = "full Jacobian"
    else:
        rng = np.random.default_rng(seed)
        x0 = point.x0()
        for d in range(DIRECTIONS):
            u = rng.standard_normal(n)
            u /= np.linalg.norm(u) or 1.0
            v = rng.standard_normal(m)
            v /= np.linalg.norm(v) or 1.0
            with np.errstate(all="ignore"):
                numeric_ju = (point.f(x0 + eps * u) - point.f(x0 - eps * u)) / (2 * eps)
            forward_ju = _jvp(point, outs, ins, u)
            reverse_vj = _vjp(outs, ins, v, point)

            def label(k, d=d):
                return f"(J u{d + 1})[{rows[k]}]"
            comparisons.append(_compare(f"forward J u{d + 1} vs finite differences", forward_ju,
                                        numeric_ju, atol, rtol, label))
            comparisons.append(_compare(
                f"reverse v{d + 1}ᵀJ u{d + 1} vs finite differences", [reverse_vj @ u],
                [v @ numeric_ju], atol, rtol, lambda k, d=d: f"v{d + 1}ᵀ J u{d + 1}"))
            comparisons.append(_compare(
                f"forward vs reverse v{d + 1}ᵀJ u{d + 1}", [v @ forward_ju], [reverse_vj @ u],
                atol, rtol, lambda k, d=d: f"v{d + 1}ᵀ J u{d + 1}"))
        method = f"{DIRECTIONS} random directions"
    worst = sorted((w for c in comparisons for w in c["worst"]),
                   key=lambda w: (w["ok"], -w["abs_error"]))[:WORST]
    result = comp.evaluate()
    result.update({
        "ok": all(c["ok"] for c in comparisons), "method": method, "eps": eps, "atol": atol,
        "rtol": rtol, "jacobian_entries": m * n,
        "max_abs_error": max((c["max_abs_error"] for c in comparisons), default=0.0),
        "comparisons": [{k: v for k, v in c.items() if k != "worst"} for c in comparisons],
        "worst": worst,
    })
    return result


def _jvp(point, outs, ins, u) -> np.ndarray:
    tangents, start = [], 0
    for leaf, size in zip(ins, point.sizes):
        tangents.append(Tensor(backend.from_numpy(u[start:start + size].reshape(leaf.shape), np.float64)))
        start += size
    dots = engine.jvp(outs, ins, tangents)
    parts = [np.zeros(o.size) if d is None else
             np.asarray(backend.to_numpy(engine.fit(d, o.shape).data), dtype=np.float64).reshape(-1)
             for o, d in zip(outs, dots)]
    return np.concatenate(parts) if parts else np.zeros(0)


def _vjp(outs, ins, v, point) -> np.ndarray:
    cot, start = [], 0
    for o in outs:
        cot.append(Tensor(backend.from_numpy(v[start:start + o.size].reshape(o.shape), np.float64)))
        start += o.size
    grads = engine.backward(outs, cot)
    parts = []
    for leaf in ins:
        g = grads.get(leaf.index)
        parts.append(np.zeros(leaf.size) if g is None else
                     np.asarray(backend.to_numpy(engine.fit(g, leaf.shape).data)).reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0)


def _labels(point, outs):
    from ..io.render import labels  # noqa: PLC0415
    rows = labels(dict(zip(point.comp.output_names, outs)))
    cols = labels({n: point.comp.inputs[n] for n in point.wrt})
    return rows, cols


def failure(result: dict) -> CheckFailed:
    bad = [c for c in result["comparisons"] if not c["ok"]]
    names = "; ".join(f"{c['name']}: {c['failed']} of {c['entries']}" for c in bad)
    return CheckFailed(f"gradient check failed ({names}); max abs error "
                       f"{result['max_abs_error']:.3g} (atol {result['atol']:g}, rtol {result['rtol']:g})")


def short(name: str) -> str:
    """The comparison in a word, for the worst-entries table."""
    if "vs reverse" in name:
        return "fwd~rev"
    return "rev~fd" if name.startswith("reverse") else "fwd~fd"


def tables(result: dict, precision: int, console) -> None:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from ..io.render import tables as render_tables  # noqa: PLC0415
    small = sum(np.size(v) for part in ("inputs", "outputs") for v in result[part].values()) <= 24
    if small:  # large values would bury the verdict
        render_tables({k: result[k] for k in ("inputs", "outputs")}, precision, console)
    summary = Table(title=f"check: {result['method']}, eps {result['eps']:g}, atol {result['atol']:g}, "
                          f"rtol {result['rtol']:g}", title_justify="left")
    for col in ("comparison", "entries", "failed", "max abs error"):
        summary.add_column(col, justify="left" if col == "comparison" else "right")
    for c in result["comparisons"]:
        summary.add_row(escape(c["name"]), str(c["entries"]), str(c["failed"]),
                        f"{c['max_abs_error']:.{min(precision, 3)}g}")
    console.print(summary)
    if result["worst"]:
        worst = Table(title="worst entries" if not result["ok"] else "largest differences",
                      title_justify="left")
        for col in ("entry", "vs", "autograd", "reference", "abs error", ""):
            worst.add_column(col, justify="left" if col in ("entry", "vs", "") else "right")
        for w in result["worst"]:
            worst.add_row(escape(w["entry"]), short(w["comparison"]),
                          f"{w['autograd']:.{precision}g}", f"{w['reference']:.{precision}g}",
                          f"{w['abs_error']:.3g}", "ok" if w["ok"] else "FAIL")
        console.print(worst)
    console.print("ok: autograd agrees with finite differences" if result["ok"] else
                  "FAILED: autograd and finite differences disagree")
