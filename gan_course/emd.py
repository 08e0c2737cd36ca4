"""The earth mover's (Wasserstein-1) distance, solved exactly on small discrete problems.

Lesson 08 (the Wasserstein GAN, both twins) uses it to show what the critic of a WGAN
estimates. Framework-free: numpy, scipy and, for 2-D problems, POT (the Python Optimal
Transport library, ``import ot``). What it is not: a scalable or differentiable OT solver;
exact plans cost O(n^3), so keep problems to a few hundred points.

* ``emd_1d`` / ``plan_1d``: piles of earth on a line. The cost is scipy's
  ``wasserstein_distance``; the plan is the north-west-corner rule on sorted positions
  (in 1-D, moving earth in order, left to right, is optimal);
* ``emd(a, b, M)``: any discrete problem (masses ``a``, ``b``, ground costs ``M``), solved
  exactly with ``ot.emd`` (or ``scipy.optimize.linprog`` without POT);
* ``emd_samples(x, y)``: exact W1 between two point clouds, equal weights, Euclidean cost;
* ``parallel_lines(theta)``: the seed's example, P0 = (0, Z) and P_theta = (theta, Z),
  Z ~ U(0, 1): JS = log 2 for every theta != 0 while W = |theta|;
* ``plot_piles`` / ``plot_plan``: draw the piles and the plan (1-D) or the matched points (2-D).

Masses are normalised to a total of 1 (one unit of earth), as scipy and the seed do: a plan
entry ``plan[i, j]`` is the fraction of all the earth moved from ``x[i]`` to ``y[j]``.
"""
from __future__ import annotations

import os
import sys

import numpy as np

__all__ = ["emd_1d", "plan_1d", "emd", "emd_samples", "parallel_lines", "parallel_lines_samples",
           "plot_piles", "plot_plan"]


def _masses(name, w, n):
    w = np.asarray(w, dtype=float)
    if w.ndim != 1 or len(w) != n:
        raise ValueError(f"{name} must be a 1-D array of {n} masses (one per position); got shape {w.shape}.")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"{name} must hold finite masses >= 0 with a positive total; got {w}.")
    return w / w.sum()


def _line(name, x):
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty 1-D array of finite positions; got shape {x.shape}.")
    return x


def _cloud(name, x):
    if hasattr(x, "detach"):  # a torch tensor, possibly on a GPU
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) == 0 or not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be a non-empty array of points with shape (N, d); got shape {x.shape}.")
    return x


def emd_1d(x_positions, x_weights, y_positions, y_weights) -> float:
    """Earth mover's distance between two piles of earth on a line (masses normalised to 1).

    Example: ``emd_1d([0, 1], [0.5, 0.5], [2, 3], [0.5, 0.5])`` -> ``2.0``.
    """
    from scipy.stats import wasserstein_distance

    x, y = _line("x_positions", x_positions), _line("y_positions", y_positions)
    a, b = _masses("x_weights", x_weights, len(x)), _masses("y_weights", y_weights, len(y))
    return float(wasserstein_distance(x, y, a, b))


def plan_1d(x_positions, x_weights, y_positions, y_weights) -> np.ndarray:
    """The optimal plan (len(x), len(y)) for two piles on a line: north-west corner on sorted positions.

    Rows and columns follow the order of the inputs; entries sum to 1.
    Example: ``plan_1d([0, 1], [1, 1], [5], [1])`` -> ``[[0.5], [0.5]]``.
    """
    x, y = _line("x_positions", x_positions), _line("y_positions", y_positions)
    a, b = _masses("x_weights", x_weights, len(x)), _masses("y_weights", y_weights, len(y))
    ix, iy = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    left_a, left_b = a[ix].copy(), b[iy].copy()
    plan = np.zeros((len(x), len(y)))
    i = j = 0
    while i < len(x) and j < len(y):  # move the leftmost earth left over to the leftmost hole left over
        m = min(left_a[i], left_b[j])
        plan[ix[i], iy[j]] += m
        left_a[i] -= m
        left_b[j] -= m
        if left_a[i] <= 1e-15:
            i += 1
        else:
            j += 1
    return plan


def _linprog_plan(a, b, M):
    from scipy.optimize import linprog

    n, m = M.shape
    rows = np.kron(np.eye(n), np.ones((1, m)))  # sum_j plan[i, j] = a[i]
    cols = np.kron(np.ones((1, n)), np.eye(m))  # sum_i plan[i, j] = b[j]
    res = linprog(M.ravel(), A_eq=np.vstack([rows, cols]), b_eq=np.concatenate([a, b]), bounds=(0, None),
                  method="highs")
    if not res.success:
        raise RuntimeError(f"linprog could not solve the transport problem: {res.message}")
    return res.x.reshape(n, m)


def _import_pot():
    """``import ot`` without its optional backends: we pass numpy arrays only, and POT would otherwise
    import TensorFlow, JAX and torch (about 15 s, and TensorFlow first can crash a later torchvision import)."""
    if "ot" not in sys.modules:
        for backend in ("TENSORFLOW", "JAX", "CUPY", "PYTORCH"):
            os.environ.setdefault(f"POT_BACKEND_DISABLE_{backend}", "1")
    import ot

    return ot


def emd(a, b, M, method: str = "auto"):
    """Exact discrete optimal transport: ``(cost, plan)`` minimising ``sum(plan * M)``.

    ``a`` (n,) and ``b`` (m,) are masses (normalised to 1), ``M`` (n, m) the cost of moving one unit
    from i to j. ``method``: "pot" (``ot.emd``), "linprog" (scipy) or "auto" (POT if installed).
    Example: ``emd([1, 1], [1, 1], [[0, 1], [1, 0]])`` -> ``(0.0, [[0.5, 0], [0, 0.5]])``.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or not np.all(np.isfinite(M)):
        raise ValueError(f"M must be a finite 2-D cost matrix (n, m); got shape {M.shape}.")
    a, b = _masses("a", a, M.shape[0]), _masses("b", b, M.shape[1])
    if method not in ("auto", "pot", "linprog"):
        raise ValueError(f"method must be 'auto', 'pot' or 'linprog'; got {method!r}.")
    ot = None
    if method != "linprog":
        try:
            ot = _import_pot()
        except ImportError as err:
            if method == "pot":
                raise ImportError("emd(method='pot') needs the package POT (Python Optimal Transport): "
                                  "pip install POT, or use method='linprog'.") from err
    if ot is not None:
        plan = np.asarray(ot.emd(a, b, M, numItermax=1_000_000), dtype=float)
    else:
        plan = _linprog_plan(a, b, M)
    return float((plan * M).sum()), plan


def emd_samples(x, y, method: str = "auto"):
    """Exact W1 between two point clouds (equal weights, Euclidean ground cost) and its plan (n, m).

    With n == m the optimal plan matches each point of ``x`` with one of ``y`` (mass 1/n each).
    Example: ``emd_samples([[0, 0], [0, 1]], [[3, 0], [3, 1]])[0]`` -> ``3.0``.
    """
    x, y = _cloud("x", x), _cloud("y", y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must live in the same space; got {x.shape[1]}-D and {y.shape[1]}-D points.")
    M = np.sqrt(((x[:, None, :] - y[None, :, :]) ** 2).sum(-1))  # (n, m) distances
    return emd(np.ones(len(x)), np.ones(len(y)), M, method=method)


def parallel_lines_samples(theta: float, n: int, seed: int = 0):
    """n points of each line: P0 = (0, Z) and P_theta = (theta, Z), Z ~ U(0, 1), drawn independently.

    Example: ``p, q = parallel_lines_samples(0.5, 100)`` -> two (100, 2) arrays.
    """
    if not np.isfinite(theta):
        raise ValueError(f"theta must be a finite offset; got {theta!r}.")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number >= 1; got {n!r}.")
    rng = np.random.default_rng(seed)
    p = np.stack([np.zeros(int(n)), rng.uniform(size=int(n))], axis=1)
    q = np.stack([np.full(int(n), float(theta)), rng.uniform(size=int(n))], axis=1)
    return p, q


def parallel_lines(theta, n: int = 0, seed: int = 0) -> dict:
    """JS (nats) and W between P0 = (0, Z) and P_theta = (theta, Z) for scalar or 1-D ``theta``.

    JS = log 2 when theta != 0 (the supports do not overlap), 0 when theta = 0; W = |theta|.
    With ``n > 0`` also ``w_samples``: ``emd_samples`` on n points of each line (about |theta|).
    Example: ``parallel_lines(0.5)`` -> ``{"theta": 0.5, "js": 0.693..., "w": 0.5}``.
    """
    t = np.asarray(theta, dtype=float)
    if t.ndim > 1 or not np.all(np.isfinite(t)):
        raise ValueError(f"theta must be a finite number or a 1-D array of them; got {theta!r}.")
    out = {"theta": t if t.ndim else float(t),
           "js": np.where(t != 0, np.log(2.0), 0.0), "w": np.abs(t)}
    if n:
        out["w_samples"] = np.array([emd_samples(*parallel_lines_samples(float(ti), n, seed))[0]
                                     for ti in np.atleast_1d(t)])
    if t.ndim == 0:
        out = {k: float(np.asarray(v).reshape(-1)[0]) for k, v in out.items()}
    return out


def plot_piles(ax, x_positions, x_weights, y_positions, y_weights, plan=None, width: float = 0.35,
               labels=("P (earth)", "Q (holes)")):
    """Draw piles P (up) and Q (down, mirrored) on a line, and arrows for a plan (default: the optimal one).

    Arrow width grows with the mass moved. Example: ``plot_piles(ax, [0, 1], [1, 1], [2, 4], [1, 1])``.
    """
    from matplotlib.patches import FancyArrowPatch

    x, y = _line("x_positions", x_positions), _line("y_positions", y_positions)
    a, b = _masses("x_weights", x_weights, len(x)), _masses("y_weights", y_weights, len(y))
    plan = plan_1d(x, a, y, b) if plan is None else np.asarray(plan, dtype=float)
    if plan.shape != (len(x), len(y)):
        raise ValueError(f"plan must have shape {(len(x), len(y))}; got {plan.shape}.")
    ax.bar(x, a, width=width, color="tab:brown", alpha=0.8, label=labels[0])
    ax.bar(y, -b, width=width, color="tab:blue", alpha=0.6, label=labels[1])
    top = max(a.max(), b.max())
    for i, j in zip(*np.nonzero(plan > 1e-12)):
        if x[i] == y[j]:
            continue  # earth that stays put
        rad = -0.4 * np.sign(y[j] - x[i])  # every arc bulges upwards
        ax.add_patch(FancyArrowPatch((x[i], 0), (y[j], 0), connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>",
                                     mutation_scale=8, lw=0.5 + 4 * plan[i, j] / plan.max(), color="k", alpha=0.5,
                                     shrinkA=2, shrinkB=2))
    ax.axhline(0, color="k", lw=0.8)
    ax.set(xlabel="position", ylabel="mass (Q drawn downwards)", ylim=(-1.3 * top, 1.3 * top))
    ax.legend(loc="upper left", fontsize=8)
    return ax


def plot_plan(ax, x, y, plan, threshold: float = 1e-9, max_width: float = 3.0, labels=("x", "y")):
    """Draw two 2-D point clouds and a plan: a line from x[i] to y[j], width proportional to plan[i, j].

    Example: ``cost, plan = emd_samples(x, y); plot_plan(ax, x, y, plan)``.
    """
    x, y = _cloud("x", x), _cloud("y", y)
    plan = np.asarray(plan, dtype=float)
    if x.shape[1] != 2 or y.shape[1] != 2:
        raise ValueError(f"plot_plan draws 2-D points; got {x.shape[1]}-D and {y.shape[1]}-D.")
    if plan.shape != (len(x), len(y)):
        raise ValueError(f"plan must have shape {(len(x), len(y))}; got {plan.shape}.")
    from matplotlib.collections import LineCollection

    i, j = np.nonzero(plan > threshold * plan.max())
    segments = np.stack([x[i], y[j]], axis=1)  # (K, 2, 2)
    ax.add_collection(LineCollection(segments, linewidths=max_width * plan[i, j] / plan.max(), colors="0.4",
                                     alpha=0.7, zorder=1))
    ax.scatter(x[:, 0], x[:, 1], s=14, c="tab:brown", label=labels[0], zorder=2)
    ax.scatter(y[:, 0], y[:, 1], s=14, c="tab:blue", label=labels[1], zorder=2)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    ax.legend(loc="best", fontsize=8)
    return ax
