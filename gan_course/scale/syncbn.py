"""SyncBatchNorm for CPU workers: BatchNorm statistics over the batches of ALL workers, not each one's own.

With data parallelism each worker normalises its activations with the mean and variance of its own
B images; a single process with the global batch would use those of all N x B. The losses then differ, and a
GAN's discriminator, whose real and generated batches are normalised separately, sees different statistics.
SyncBatchNorm all-reduces the statistics so every worker normalises with the global ones.

``torch.nn.SyncBatchNorm`` does this on GPUs only (it raises ``SyncBatchNorm expected input tensor to be on
GPU`` for CPU tensors), so the CPU processes of lesson 11 and of the tests use ``SyncBatchNorm2d`` below:
the same maths in a dozen lines, with a differentiable all-reduce (``_AllReduceSum``: its backward all-reduces the
gradients), two per call (the mean, then the variance around it: the same two passes as BatchNorm on one batch).
``convert_sync_batchnorm`` picks PyTorch's fused version on GPUs and this one on CPU.

The state dict is BatchNorm2d's (weight, bias, running_mean, running_var, num_batches_tracked), so a
checkpoint loads into the plain ``gan_course.dcgan_torch`` networks.
"""
import torch
import torch.distributed as dist
from torch import nn

__all__ = ["SyncBatchNorm2d", "convert_sync_batchnorm"]


class _AllReduceSum(torch.autograd.Function):
    """Sum a tensor over all workers; the gradient of a sum reaching every worker is the sum of their gradients."""

    @staticmethod
    def forward(ctx, x):
        x = x.clone()
        dist.all_reduce(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        dist.all_reduce(grad)
        return grad


class SyncBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training-mode statistics are over all workers' batches (any device, any backend).

    Outside training, or without a process group of 2 or more, it is exactly ``nn.BatchNorm2d``.
    Example: ``SyncBatchNorm2d(64)(torch.randn(8, 64, 4, 4)).shape`` -> ``(8, 64, 4, 4)``.
    """

    def forward(self, x):
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        c = x.shape[1]
        dims = (0, 2, 3)
        count = torch.tensor([x.numel() // c], dtype=x.dtype, device=x.device)
        sums = _AllReduceSum.apply(torch.cat([x.sum(dims), count]))                 # (C + 1,): sum over all workers
        n = sums[-1]
        mean = sums[:-1] / n                                               # (C,) global mean
        centred = x - mean[None, :, None, None]
        var = _AllReduceSum.apply((centred * centred).sum(dims)) / n                # (C,) global biased variance
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = (1.0 / float(self.num_batches_tracked)) if self.momentum is None else self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean.detach())
                self.running_var.mul_(1 - m).add_(m * var.detach() * n / (n - 1))  # unbiased, as BatchNorm
        y = centred * torch.rsqrt(var + self.eps)[None, :, None, None]     # (B, C, H, W)
        if self.affine:
            y = y * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return y


def convert_sync_batchnorm(module: nn.Module, device_type: str = "cpu") -> nn.Module:
    """Replace every BatchNorm2d of ``module``: ``torch.nn.SyncBatchNorm`` for CUDA, ``SyncBatchNorm2d``
    otherwise; weights and running statistics are kept.

    Example: ``D = convert_sync_batchnorm(make_discriminator(), "cpu")``.
    """
    if device_type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(module)
    out = module
    if isinstance(module, nn.BatchNorm2d) and not isinstance(module, SyncBatchNorm2d):
        out = SyncBatchNorm2d(module.num_features, module.eps, module.momentum, module.affine,
                              module.track_running_stats)
        out.load_state_dict(module.state_dict())
        out.train(module.training)
    for name, child in module.named_children():
        out.add_module(name, convert_sync_batchnorm(child, device_type))
    return out
