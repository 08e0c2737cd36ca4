"""gan_course.wgan_torch: shapes, losses, clipping, the gradient penalty (per-sample norms, one uniform
alpha per sample), the Lipschitz check and the two training steps."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard)

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gan_course import wgan_torch as W  # noqa: E402


def test_shapes_and_no_sigmoid():
    G, C = W.make_generator(2, (2,)), W.make_critic((2,))
    assert G(torch.zeros(8, 2)).shape == (8, 2) and C(torch.zeros(8, 2)).shape == (8, 1)
    Gi = W.make_generator(16, (1, 28, 28), (32,), activation="tanh")
    img = Gi(torch.randn(4, 16))
    assert img.shape == (4, 1, 28, 28) and img.abs().max() <= 1
    Ci = W.make_critic((1, 28, 28), (32,))
    assert Ci(img).shape == (4, 1)
    assert not any(isinstance(m, (nn.Sigmoid, nn.Tanh)) for m in C.modules())
    assert C(1000 * torch.randn(64, 2)).abs().max() > 1  # unbounded scores
    with pytest.raises(ValueError, match="activation"):
        W.make_generator(2, (2,), activation="sigmoid")


def test_losses():
    r, f = torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [-2.0], [1.0]])
    assert W.critic_loss(r, f).item() == pytest.approx(-1 / 3 - 2)
    assert W.generator_loss(f).item() == pytest.approx(1 / 3)


def test_clip_weights_in_place():
    C = W.make_critic((2,), (16,))
    params = list(C.parameters())
    with torch.no_grad():
        for p in params:
            p.uniform_(-1, 1)
    W.clip_weights(C, 0.05)
    assert all(a is b for a, b in zip(params, C.parameters()))
    assert max(p.abs().max().item() for p in C.parameters()) <= 0.05 + 1e-7
    with pytest.raises(ValueError, match="positive"):
        W.clip_weights(C, 0)


class Recorder(nn.Module):
    """f(x) = 0.5 * ||x||^2 per sample (gradient x itself), recording the points it scores."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(1.0))
        self.seen = []

    def forward(self, x):
        self.seen.append(x.detach().clone())
        return 0.5 * self.scale * (x.flatten(1) ** 2).sum(1, keepdim=True)


def test_penalty_uses_per_sample_norms():
    # f(x) = 0.5 ||x||^2: the gradient at x_hat_i is x_hat_i, so the per-sample norms are ||x_hat_i||.
    # real = fake makes x_hat = real whatever alpha is. Norms 0 and 2: per sample (0-1)^2 and (2-1)^2 -> mean 1;
    # the batch-mean gradient is 0 -> (0-1)^2 = 1 too, so use norms 0.5 and 3 instead: per sample
    # ((0.5-1)^2 + (3-1)^2)/2 = 2.125, batch-mean gradient (1.25 - 1)^2 = 0.0625, batch norm (sqrt(9.25)-1)^2.
    real = torch.tensor([[0.5, 0.0], [3.0, 0.0]])
    gp = W.gradient_penalty(Recorder(), real, real.clone(), weight=1.0)
    assert gp.item() == pytest.approx(2.125, rel=1e-5)
    assert gp.item() != pytest.approx((1.75 - 1) ** 2) and gp.item() != pytest.approx((np.sqrt(9.25) - 1) ** 2)
    assert W.gradient_penalty(Recorder(), real, real.clone(), weight=10.0).item() == pytest.approx(21.25, rel=1e-5)


def test_alpha_is_uniform_and_one_per_sample():
    torch.manual_seed(0)
    for shape in ((4000, 2), (500, 1, 3, 3)):
        real, fake = torch.ones(shape), torch.zeros(shape)
        critic = Recorder()
        W.gradient_penalty(critic, real, fake)
        alpha = critic.seen[-1].flatten(1)                       # x_hat = alpha * 1 + (1 - alpha) * 0
        assert torch.all(alpha == alpha[:, :1])                  # one alpha per sample, shape (B, 1, ...)
        a = alpha[:, 0].numpy()
        assert a.min() >= 0 and a.max() <= 1 and a.std() > 0.2   # U(0, 1): std 0.289
        assert abs(a.mean() - 0.5) < 0.05


def test_penalty_gradient_reaches_the_critic():
    C = W.make_critic((2,), (16,))
    gp = W.gradient_penalty(C, torch.randn(32, 2), torch.randn(32, 2))
    gp.backward()
    assert C[1].weight.grad is not None and C[1].weight.grad.abs().sum() > 0


def test_grad_norms_of_a_linear_critic():
    C = nn.Sequential(nn.Linear(3, 1))
    with torch.no_grad():
        C[0].weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))
    np.testing.assert_allclose(W.critic_grad_norms(C, np.random.randn(10, 3)), 5.0, rtol=1e-6)
    assert W.critic_max_grad_norm(C, torch.randn(4, 3)) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="non-empty batch"):
        W.critic_grad_norms(C, torch.zeros(0, 3))


def test_train_steps_update_and_return():
    torch.manual_seed(0)
    G, C = W.make_generator(2, (2,), (16,)), W.make_critic((2,), (16,))
    reals = torch.randn(3, 32, 2)
    opt_G, opt_C = torch.optim.RMSprop(G.parameters(), 1e-3), torch.optim.RMSprop(C.parameters(), 1e-3)
    g0 = [p.detach().clone() for p in G.parameters()]
    out = W.train_step_clip(reals, G, C, opt_G, opt_C, c=0.02)
    assert out.shape == (2,) and max(p.abs().max().item() for p in C.parameters()) <= 0.02 + 1e-7
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    opt_G, opt_C = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(C.parameters(), 1e-3)
    out = W.train_step_gp(reals, G, C, opt_G, opt_C)
    assert out.shape == (3,) and out[1] >= 0


def test_gp_critic_learns_the_emd_of_two_clouds():
    """A critic trained with the penalty on two fixed clouds estimates their exact EMD (within 15%)."""
    from gan_course.emd import emd_samples

    torch.manual_seed(0)
    p, q = torch.randn(128, 2) * 0.2, torch.randn(128, 2) * 0.2 + torch.tensor([1.0, 0.0])
    C = W.make_critic((2,), (64, 64))
    opt = torch.optim.Adam(C.parameters(), lr=1e-3, betas=(0.0, 0.9))
    for _ in range(300):
        loss = W.critic_loss(C(p), C(q)) + W.gradient_penalty(C, p, q)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        estimate = (C(p).mean() - C(q).mean()).item()
    exact = emd_samples(p.numpy(), q.numpy())[0]
    assert estimate == pytest.approx(exact, rel=0.15)


def test_conv_networks_of_the_paper():
    """The WGAN-GP paper's MNIST networks: shapes, tanh range, no BatchNorm, a per-sample critic."""
    G, C = W.make_conv_generator(128, 8), W.make_conv_critic(8)
    assert G.z_dim == 128
    x = G(torch.randn(3, 128) * 10)
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    assert C(x).shape == (3, 1)
    assert not any(isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) for m in list(G.modules()) + list(C.modules()))
    shapes = []
    h = torch.randn(2, 128)
    for layer in G:
        h = layer(h)
        if isinstance(layer, nn.ConvTranspose2d):
            shapes.append(tuple(h.shape[1:]))
    assert shapes == [(16, 7, 7), (8, 14, 14), (1, 28, 28)]
    with torch.no_grad():                                   # one sample's score does not depend on the others
        assert torch.allclose(C(x)[:1], C(x[:1]), atol=1e-5)
    reals = torch.rand(2, 4, 1, 28, 28) * 2 - 1
    opt_G, opt_C = torch.optim.Adam(G.parameters()), torch.optim.Adam(C.parameters())
    assert torch.isfinite(W.train_step_gp(reals, G, C, opt_G, opt_C)).all()
