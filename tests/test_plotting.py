"""Image grids accept every layout and range the lessons produce, and reject the rest clearly."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import gan_course  # noqa: F401  (import-order guard first)
from gan_course import plotting


def test_layouts_and_ranges_agree():
    rng = np.random.default_rng(0)
    x01 = rng.random((6, 28, 28, 1)).astype(np.float32)        # NHWC in [0, 1]
    nchw_pm1 = np.transpose(x01 * 2 - 1, (0, 3, 1, 2))          # NCHW in [-1, 1]
    gray = x01[..., 0]                                          # N x H x W
    u8 = (x01 * 255).round().astype(np.uint8)
    ref = plotting.to_nhwc01(x01)
    for other in (nchw_pm1, gray):
        np.testing.assert_allclose(plotting.to_nhwc01(other), ref, atol=1e-6)
    np.testing.assert_allclose(plotting.to_nhwc01(u8), ref, atol=1 / 255)


def test_torch_and_tf_tensors():
    torch = pytest.importorskip("torch")
    t = torch.rand(4, 3, 32, 32, requires_grad=True) * 2 - 1
    assert plotting.to_nhwc01(t).shape == (4, 32, 32, 3)
    tf = pytest.importorskip("tensorflow")
    assert plotting.to_nhwc01(tf.random.uniform((4, 32, 32, 3))).shape == (4, 32, 32, 3)


def test_grid_shape_and_padding():
    g = plotting.image_grid(np.zeros((10, 8, 8)), nrow=5, padding=2)
    assert g.shape == (2 * 10 + 2, 5 * 10 + 2, 1)
    assert g[0, 0, 0] == 1.0 and g[2, 2, 0] == 0.0


@pytest.mark.parametrize("bad,msg", [
    (np.full((2, 28, 28), 3.0), "0-255"),
    (np.full((2, 28, 28), -3.0), "tanh"),
    (np.zeros((2, 784)), "reshape"),
    (np.zeros((2, 5, 8, 8)), "channel axis"),
    (np.full((2, 8, 8), np.nan), "NaN"),
    (np.zeros((0, 8, 8)), "empty"),
])
def test_clear_errors(bad, msg):
    with pytest.raises(ValueError, match=msg):
        plotting.image_grid(bad)


def test_show_and_losses_draw_labelled_axes():
    ax = plotting.show_images(np.zeros((4, 1, 8, 8)), title="grid")
    assert ax.get_title() == "grid"
    ax = plotting.show_images(np.zeros((6, 8, 8)), nrow=3, row_labels=["first", "second"])
    texts = {t.get_text(): t.get_position() for t in ax.texts}
    assert set(texts) == {"first", "second"} and texts["second"][1] - texts["first"][1] == 10  # h + padding
    assert texts["first"][0] < 0                                    # left of the grid
    with pytest.raises(ValueError, match="3 labels for a grid of 2 rows"):
        plotting.show_images(np.zeros((6, 8, 8)), nrow=3, row_labels=["a", "b", "c"])
    ax = plotting.plot_losses({"D": np.linspace(1, 0, 200), "G": [1.0] * 200}, smooth=10)
    assert ax.get_xlabel() == "iteration" and len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="dict"):
        plotting.plot_losses([1, 2, 3])
