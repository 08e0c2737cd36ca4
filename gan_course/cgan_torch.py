"""The conditional GAN of lesson 05 (PyTorch twin): labels as one-hot vectors concatenated to the noise
and to the image (seed 001), an embedding variant, the conditional discriminator loss, one training
step, sampling a chosen digit, and the small CNN "judge" that classifies the generated digits.

Each function and class below is copied verbatim from a ``#@save gan_course.cgan_torch`` cell of
``notebooks/05_conditional_gan_pytorch.md`` (``tests/test_saved_code.py`` fails if they drift).
The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.

What it is not: a training framework. The loop, checkpoints and plots stay in the lesson.
Images are (B, 1, 28, 28) in [-1, 1]; labels are integer digits (B,); D returns logits (B, 1).
"""
import torch
import torch.nn.functional as F
from torch import nn

from .gan_torch import generator_loss, sample_noise

__all__ = ["condition", "ConditionalGenerator", "ConditionalDiscriminator", "cgan_discriminator_loss",
           "cgan_train_step", "sample_digit", "make_judge", "train_judge", "judge_probabilities",
           "sample_noise"]


def condition(x, labels, num_classes=10):
    """Seed 001's conditioning: flatten x to (B, d) and append the one-hot labels -> (B, d + num_classes).

    Lesson 05, exercise 1. Example: ``condition(torch.zeros(4, 64), torch.tensor([0, 1, 2, 3])).shape`` -> (4, 74).
    """
    # One-hot the integer labels (F.one_hot, as floats), flatten x to (B, d), and concatenate the two
    # along the feature axis (dim=1), x first.
    # BEGIN SOLUTION
    one_hot = F.one_hot(labels.long(), num_classes).to(x.dtype)  # (B, num_classes)
    return torch.cat([x.flatten(1), one_hot], dim=1)              # (B, d + num_classes)
    # END SOLUTION


def _mlp(width, hidden, dropout=0.0, batchnorm=False):
    """Linear (+ BatchNorm) + LeakyReLU(0.2) (+ Dropout) per hidden width; returns (layers, last width)."""
    layers = []
    for h in hidden:
        layers += ([nn.Linear(width, h)] + ([nn.BatchNorm1d(h)] if batchnorm else []) + [nn.LeakyReLU(0.2)]
                   + ([nn.Dropout(dropout)] if dropout else []))
        width = h
    return layers, width


class ConditionalGenerator(nn.Module):
    """MLP generator G(z, y): noise (B, z_dim) and digits (B,) -> images (B, 1, 28, 28) in [-1, 1].

    ``conditioning="onehot"``: input [z, one_hot(y)] (seed 001); ``"embedding"``: [z, E[y]], a learned
    vector of ``embed_dim`` numbers per class. Hidden layers: Linear, BatchNorm, LeakyReLU. Lesson 05, section 3.
    Example: ``ConditionalGenerator(64)(torch.zeros(8, 64), torch.arange(8)).shape`` -> (8, 1, 28, 28).
    """

    def __init__(self, z_dim=64, hidden=(256, 512), num_classes=10, conditioning="onehot", embed_dim=10):
        super().__init__()
        if conditioning not in ("onehot", "embedding"):
            raise ValueError(f"conditioning must be 'onehot' or 'embedding'; got {conditioning!r}.")
        self.num_classes, self.conditioning = num_classes, conditioning
        self.embed = nn.Embedding(num_classes, embed_dim) if conditioning == "embedding" else None
        layers, width = _mlp(z_dim + (embed_dim if self.embed else num_classes), hidden, batchnorm=True)
        self.net = nn.Sequential(*layers, nn.Linear(width, 28 * 28), nn.Tanh(),  # (B, 784) in [-1, 1]
                                 nn.Unflatten(1, (1, 28, 28)))                    # (B, 1, 28, 28)

    def forward(self, z, labels):
        if self.embed is None:
            return self.net(condition(z, labels, self.num_classes))      # [z, one-hot]
        return self.net(torch.cat([z, self.embed(labels)], dim=1))       # [z, embedding]


class ConditionalDiscriminator(nn.Module):
    """MLP discriminator D(x, y): images (B, 1, 28, 28) and digits (B,) -> one logit per image (B, 1).

    The label is appended to the flattened image, as a one-hot vector or a learned embedding.
    Lesson 05, section 3. Example: ``ConditionalDiscriminator()(torch.zeros(8, 1, 28, 28), torch.arange(8))``.
    """

    def __init__(self, hidden=(512, 256), dropout=0.3, num_classes=10, conditioning="onehot", embed_dim=10):
        super().__init__()
        if conditioning not in ("onehot", "embedding"):
            raise ValueError(f"conditioning must be 'onehot' or 'embedding'; got {conditioning!r}.")
        self.num_classes, self.conditioning = num_classes, conditioning
        self.embed = nn.Embedding(num_classes, embed_dim) if conditioning == "embedding" else None
        layers, width = _mlp(28 * 28 + (embed_dim if self.embed else num_classes), hidden, dropout)
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))  # (B, 1): a logit, no sigmoid

    def forward(self, x, labels):
        if self.embed is None:
            return self.net(condition(x, labels, self.num_classes))          # [image, one-hot]
        return self.net(torch.cat([x.flatten(1), self.embed(labels)], dim=1))  # [image, embedding]


def cgan_discriminator_loss(D, real, fake, labels, wrong_labels, mismatch=0.5):
    """Conditional D loss on logits, ``fake`` already detached:
    BCE(D(real, y), 1) + (1 - m) BCE(D(fake, y), 0) + m BCE(D(real, y_wrong), 0), m = ``mismatch``.

    m = 0 is seed 001's loss. Lesson 05, exercise 2.
    Example: ``cgan_discriminator_loss(D, real, G(z, y).detach(), y, (y + 1) % 10)``.
    """
    # Score each batch *with its labels*: D(real, labels), D(fake, labels), D(real, wrong_labels). BCE on
    # logits: the first against ones, the other two against zeros; weight them 1, 1 - mismatch, mismatch.
    # BEGIN SOLUTION
    real_logits = D(real, labels)                                # (B, 1): real image, right label
    fake_logits = D(fake, labels)                                # (B, 1): generated image
    wrong_logits = D(real, wrong_labels)                         # (B, 1): real image, wrong label
    return (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + (1 - mismatch) * F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
            + mismatch * F.binary_cross_entropy_with_logits(wrong_logits, torch.zeros_like(wrong_logits)))
    # END SOLUTION


def cgan_train_step(real, labels, z, G, D, opt_G, opt_D, mismatch=0.5):
    """One D step, then one G step, on real images (B, 1, 28, 28), their digits (B,) and noise (B, z_dim).

    The fakes are drawn for the same digits as the real batch; each wrong label is another digit.
    Returns a tensor (3,): d_loss, g_loss and the mean D(G(z, y)) seen in G's step. Lesson 05, section 5.
    Example: ``d_loss, g_loss, d_fake = cgan_train_step(real, y, z, G, D, opt_G, opt_D)``.
    """
    fake = G(z, labels)                                          # (B, 1, 28, 28)
    wrong = (labels + torch.randint_like(labels, 1, G.num_classes)) % G.num_classes  # (B,), never = labels
    d_loss = cgan_discriminator_loss(D, real, fake.detach(), labels, wrong, mismatch)
    opt_D.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_D.step()
    fake_logits = D(fake, labels)                                # the updated D, gradients flow into G
    g_loss = generator_loss(fake_logits)
    opt_G.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_G.step()
    with torch.no_grad():
        return torch.stack([d_loss, g_loss, torch.sigmoid(fake_logits).mean()])


def sample_digit(G, digit, n, z_dim, device=None):
    """n images of one chosen digit from a conditional generator: (n, 28, 28) floats in [0, 1].

    Lesson 05, exercise 3. Example: ``sample_digit(G, 7, 16, z_dim).shape`` -> ``torch.Size([16, 28, 28])``.
    """
    G.eval()  # BatchNorm uses its running statistics: a batch of one digit is not a typical batch
    # Make n labels all equal to `digit` (torch.full, dtype long) and n normal noise vectors; run G without
    # gradients; map tanh's [-1, 1] to [0, 1] and drop the channel axis.
    # BEGIN SOLUTION
    labels = torch.full((n,), digit, dtype=torch.long, device=device)   # (n,)
    z = sample_noise(n, z_dim, "normal", device)                        # (n, z_dim)
    with torch.no_grad():
        images = G(z, labels)                                           # (n, 1, 28, 28) in [-1, 1]
    return ((images + 1) / 2)[:, 0]                                     # (n, 28, 28) in [0, 1]
    # END SOLUTION


def make_judge(num_classes=10):
    """A small CNN digit classifier (the "judge"): images (B, 1, 28, 28) in [-1, 1] -> logits (B, 10).

    Lesson 05, section 6. Example: ``make_judge()(torch.zeros(8, 1, 28, 28)).shape`` -> (8, 10).
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # (B, 16, 14, 14)
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # (B, 32, 7, 7)
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, num_classes))                                   # (B, 10) logits


def train_judge(J, images, labels, epochs=4, batch_size=64, lr=1e-3, seed=0, device=None):
    """Train the judge with Adam and cross-entropy on real images (N, 1, 28, 28) in [-1, 1], digits (N,).

    Each batch is shifted by up to 2 pixels (a cheap augmentation against overfitting 4,000 images).
    Lesson 05, section 6. Example: ``train_judge(make_judge(), x, y, epochs=4)``.
    """
    gen = torch.Generator().manual_seed(seed)
    images, labels = torch.as_tensor(images), torch.as_tensor(labels).long()
    opt = torch.optim.Adam(J.parameters(), lr=lr)
    J.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=gen)
        for i in range(0, len(images), batch_size):
            idx = order[i:i + batch_size]
            dy, dx = torch.randint(-2, 3, (2,), generator=gen).tolist()
            x = torch.roll(images[idx], shifts=(dy, dx), dims=(2, 3)).to(device)
            loss = F.cross_entropy(J(x), labels[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    J.eval()
    return J


def judge_probabilities(J, images, batch_size=500, device=None):
    """The judge's class probabilities (N, 10) for images (N, 28, 28) or (N, 1, 28, 28) in [0, 1] (numpy).

    Lesson 05, section 6. Example: ``judge_probabilities(J, samples).argmax(1)`` -> the judged digits.
    """
    x = torch.as_tensor(images, dtype=torch.float32).reshape(-1, 1, 28, 28) * 2 - 1   # the judge's [-1, 1]
    J.eval()
    with torch.no_grad():
        return torch.cat([F.softmax(J(x[i:i + batch_size].to(device)), dim=1).cpu()
                          for i in range(0, len(x), batch_size)]).numpy()
