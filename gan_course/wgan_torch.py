"""The Wasserstein GAN of lesson 08 (PyTorch twin): a critic without a sigmoid, the Wasserstein losses,
weight clipping, the gradient penalty, a Lipschitz check and the two training steps.

Each function below is copied verbatim from a ``#@save gan_course.wgan_torch`` cell of
``notebooks/08_wgan_pytorch.md`` (``tests/test_saved_code.py`` fails if they drift). The
``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.
``gan_course.wgan_keras`` is the Keras twin, with the same names and arguments.

What it is not: a training framework. The loops, checkpoints and plots stay in the lesson.
Points are (B, 2) (the 2-D toy data) or images (B, 1, 28, 28) in [-1, 1]; the critic returns
unbounded scores (B, 1). ``reals`` in the training steps is (n_critic, B, ...): one real batch per
critic step. Latent noise is standard normal.
"""
import numpy as np
import torch
from torch import nn

__all__ = ["make_generator", "make_critic", "critic_loss", "generator_loss", "clip_weights",
           "gradient_penalty", "critic_grad_norms", "critic_max_grad_norm", "train_step_clip", "train_step_gp"]


def make_generator(z_dim=2, output_shape=(2,), hidden=(128, 128), activation=None):
    """MLP generator: z (B, z_dim) -> x (B, *output_shape); ``activation="tanh"`` for images in [-1, 1].

    Lesson 08, section 4. Example: ``make_generator(2, (2,))(torch.zeros(8, 2)).shape`` -> ``(8, 2)``.
    """
    if activation not in (None, "tanh"):
        raise ValueError(f"activation must be None (points) or 'tanh' (images in [-1, 1]); got {activation!r}.")
    size = int(np.prod(output_shape))
    layers, width = [], z_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]                         # (B, h)
        width = h
    layers.append(nn.Linear(width, size))                                  # (B, prod(output_shape))
    if activation == "tanh":
        layers.append(nn.Tanh())
    layers.append(nn.Unflatten(1, tuple(output_shape)))                    # (B, *output_shape)
    G = nn.Sequential(*layers)
    G.z_dim = z_dim
    return G


def make_critic(input_shape=(2,), hidden=(128, 128)):
    """MLP critic: x (B, *input_shape) -> one unbounded score per sample (B, 1). No sigmoid.

    Lesson 08, section 4. Example: ``make_critic((1, 28, 28), (256,))(torch.zeros(8, 1, 28, 28)).shape``.
    """
    layers, width = [nn.Flatten()], int(np.prod(input_shape))              # (B, d)
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]                         # (B, h)
        width = h
    layers.append(nn.Linear(width, 1))                                     # (B, 1): a score, no sigmoid
    return nn.Sequential(*layers)


def critic_loss(real_scores, fake_scores):
    """The critic's loss, to minimise: mean f(fake) - mean f(real), minus the critic's estimate of W.

    Lesson 08, exercise 1. Example: ``critic_loss(critic(real), critic(fake))``.
    """
    # The critic maximises mean(real_scores) - mean(fake_scores); return the negative, a loss to minimise.
    # BEGIN SOLUTION
    return fake_scores.mean() - real_scores.mean()
    # END SOLUTION


def generator_loss(fake_scores):
    """The generator's loss, to minimise: -mean f(G(z)) (it wants high scores for its samples).

    Lesson 08, section 3. Example: ``generator_loss(critic(G(z)))``.
    """
    return -fake_scores.mean()


def clip_weights(critic, c=0.01):
    """Clip every parameter of ``critic`` into [-c, c], in place (WGAN, Arjovsky et al. 2017).

    Lesson 08, exercise 2. Example: ``clip_weights(critic, 0.01)``.
    """
    if not c > 0:
        raise ValueError(f"the clipping bound c must be a positive number such as 0.01; got {c!r}.")
    with torch.no_grad():
        for p in critic.parameters():
            # Clip p in place (the optimizer holds these very tensors): p.clamp_(...).
            # BEGIN SOLUTION
            p.clamp_(-c, c)
            # END SOLUTION


def gradient_penalty(critic, real, fake, weight=10.0):
    """WGAN-GP's penalty: weight * mean over samples of (||grad_x f(x_hat)|| - 1)^2 (Gulrajani et al. 2017).

    x_hat = alpha * real + (1 - alpha) * fake with one alpha ~ U(0, 1) per sample. The result keeps its
    graph (create_graph=True), so the penalty's own gradient reaches the critic's weights.
    Lesson 08, exercise 3. Example: ``gp = gradient_penalty(critic, real, fake.detach(), weight=10.0)``.
    """
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)                     # (B, 1) or (B, 1, 1, 1)
    # alpha ~ U(0, 1) with the shape above (one per sample); x_hat between real and fake, with
    # requires_grad; score x_hat and take the gradient w.r.t. x_hat (torch.autograd.grad, create_graph=True);
    # one norm per sample (flatten all but the batch axis); return weight * mean((norm - 1)^2).
    # BEGIN SOLUTION
    alpha = torch.rand(shape, device=real.device, dtype=real.dtype)        # (B, 1, ...)
    x_hat = (alpha * real + (1 - alpha) * fake).requires_grad_(True)       # (B, ...)
    scores = critic(x_hat)                                                 # (B, 1)
    grads, = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)   # (B, ...): one gradient per sample
    norms = torch.sqrt((grads.flatten(1) ** 2).sum(dim=1) + 1e-12)         # (B,)
    return weight * ((norms - 1) ** 2).mean()
    # END SOLUTION


def critic_grad_norms(critic, x):
    """||grad_x f(x)|| for each sample of x (B, ...), as a numpy array (B,).

    Lesson 08, section 7. Example: ``critic_grad_norms(critic, x_real[:512]).mean()``.
    """
    x = torch.as_tensor(x, dtype=torch.float32, device=next(critic.parameters()).device)
    if x.dim() < 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a non-empty batch of samples, shape (B, ...); got shape {tuple(x.shape)}.")
    x = x.detach().clone().requires_grad_(True)
    grads, = torch.autograd.grad(critic(x).sum(), x)                       # (B, ...): sample i only moves score i
    return grads.flatten(1).norm(dim=1).cpu().numpy()


def critic_max_grad_norm(critic, x):
    """The largest ||grad_x f(x)|| over the samples x: a lower bound on the critic's Lipschitz constant.

    Lesson 08, section 7. Example: ``critic_max_grad_norm(critic, torch.cat([real, fake]))`` -> ``1.07``.
    """
    return float(critic_grad_norms(critic, x).max())


def train_step_clip(reals, G, critic, opt_G, opt_C, c=0.01):
    """WGAN: len(reals) critic steps (one real batch each, weights clipped after each), then one G step.

    ``reals`` is (n_critic, B, ...). Returns a tensor (2,): the last critic step's estimate
    mean f(real) - mean f(fake), and the generator's loss. Lesson 08, section 5.
    Example: ``w_est, g_loss = train_step_clip(reals, G, critic, opt_G, opt_C, c=0.01)``.
    """
    batch = reals.shape[1]
    for real in reals:                                                     # n_critic critic steps
        with torch.no_grad():
            fake = G(torch.randn(batch, G.z_dim, device=real.device))      # (B, ...), no graph into G
        c_loss = critic_loss(critic(real), critic(fake))
        opt_C.zero_grad(set_to_none=True)
        c_loss.backward()
        opt_C.step()
        clip_weights(critic, c)
    g_loss = generator_loss(critic(G(torch.randn(batch, G.z_dim, device=reals.device))))
    opt_G.zero_grad(set_to_none=True)
    g_loss.backward()                                                      # also fills the critic's grads:
    opt_G.step()                                                           # zeroed at its next step
    return torch.stack([-c_loss.detach(), g_loss.detach()])


def train_step_gp(reals, G, critic, opt_G, opt_C, gp_weight=10.0):
    """WGAN-GP: len(reals) critic steps with the gradient penalty, then one generator step.

    ``reals`` is (n_critic, B, ...). Returns a tensor (3,): the last critic step's estimate
    mean f(real) - mean f(fake), its penalty, and the generator's loss. Lesson 08, section 6.
    Example: ``w_est, gp, g_loss = train_step_gp(reals, G, critic, opt_G, opt_C)``.
    """
    batch = reals.shape[1]
    for real in reals:                                                     # n_critic critic steps
        with torch.no_grad():
            fake = G(torch.randn(batch, G.z_dim, device=real.device))      # (B, ...), no graph into G
        c_loss = critic_loss(critic(real), critic(fake))
        gp = gradient_penalty(critic, real, fake, gp_weight)               # differentiated through
        opt_C.zero_grad(set_to_none=True)
        (c_loss + gp).backward()
        opt_C.step()
    g_loss = generator_loss(critic(G(torch.randn(batch, G.z_dim, device=reals.device))))
    opt_G.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_G.step()
    return torch.stack([-c_loss.detach(), gp.detach(), g_loss.detach()])
