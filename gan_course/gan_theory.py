"""Small tools from lesson 03 (GAN theory) that later lessons reuse.

* ``jsd_on_grid(p, q)`` — the Jensen-Shannon divergence of two 1-D (or gridded 2-D)
  densities given by their values on one uniform grid;
* ``mlp(1, 32, 32, 1)`` — a small fully connected torch network (LeakyReLU between layers),
  the discriminator and generator of the toy GANs in lessons 03 and 07.

The definitions are copied verbatim from the lesson's ``#@save`` cells
(``tests/test_saved_code.py`` keeps them identical). What this module is not: the
losses or the training loop; those stay in the lessons. torch is imported inside
``mlp`` only, so ``jsd_on_grid`` works without it.
"""
from __future__ import annotations

import numpy as np

from . import info

__all__ = ["jsd_on_grid", "mlp"]


def jsd_on_grid(p, q, base=None):
    """JSD of two densities given by their values p(x_i), q(x_i) on one uniform grid (lesson 03, section 4).

    The masses p(x_i) dx, normalised, form a discrete distribution; dx cancels in every
    ratio p_i / m_i, so the result tends to the JSD of the densities as the grid gets finer.
    Example: ``x = np.linspace(-8, 9, 5001); jsd_on_grid(norm.pdf(x), norm.pdf(x, 1))`` -> 0.1114...
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.shape != q.shape or np.any(p < 0) or np.any(q < 0) or p.sum() <= 0 or q.sum() <= 0:
        raise ValueError(f"p and q must be non-negative density values on the same grid (same shape), "
                         f"not all 0; got shapes {p.shape} and {q.shape}.")
    return info.js_divergence(p.ravel() / p.sum(), q.ravel() / q.sum(), base=base)


def mlp(*sizes, slope=0.2):
    """Linear layers of the given sizes with LeakyReLU(slope) between them, none after the last (lesson 03).

    Example: ``D = mlp(1, 32, 32, 1)``: input 1, two hidden layers of 32 units, one output (a logit).
    """
    from torch import nn  # imported here: jsd_on_grid needs no framework

    if len(sizes) < 2 or not all(isinstance(s, int) and s > 0 for s in sizes):
        raise ValueError(f"mlp needs at least two positive integer sizes (input, ..., output); got {sizes}.")
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.LeakyReLU(slope)]
    return nn.Sequential(*layers[:-1])  # no activation after the output layer
