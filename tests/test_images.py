"""gan_course.images: the shapes stand-in and its detector, coverage, folders, faces and CIFAR-10 offline."""
import numpy as np
import pytest

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course import images
from gan_course.images import (COLOURS, SHAPES, class_coverage, detect_shapes, faces, image_folder, load_images,
                               shapes, shapes_classes)


def test_classes():
    names = shapes_classes()
    assert len(names) == len(COLOURS) * len(SHAPES) == 12
    assert names[:3] == ["red circle", "red bar", "red triangle"] and names[-1] == "yellow triangle"


@pytest.mark.parametrize("size", [32, 64])
def test_shapes_balanced_and_detected(size):
    x, y = shapes(600, size=size, seed=3, return_labels=True)
    assert x.shape == (600, size, size, 3) and x.dtype == np.float32 and y.dtype == np.int64
    assert 0 <= x.min() and x.max() <= 1
    assert np.bincount(y).tolist() == [50] * 12
    assert (detect_shapes(x) == y).mean() >= 0.99
    assert np.array_equal(shapes(600, size=size, seed=3), x)  # same seed, same images


def test_detector_accepts_framework_layouts():
    import torch
    x, y = shapes(48, seed=1, return_labels=True)
    nchw = torch.from_numpy(x * 2 - 1).permute(0, 3, 1, 2)  # a generator's (B, 3, H, W) in [-1, 1]
    assert np.array_equal(detect_shapes(nchw), detect_shapes(x))


def test_detector_rejects_junk():
    rng = np.random.default_rng(0)
    junk = np.concatenate([rng.uniform(size=(40, 32, 32, 3)), np.zeros((5, 32, 32, 3)),
                           np.full((5, 32, 32, 3), 0.5), rng.normal(0.1, 0.05, (10, 32, 32, 3)).clip(0, 1)])
    assert (detect_shapes(junk.astype(np.float32)) == -1).all()
    with pytest.raises(ValueError, match="colour"):
        detect_shapes(np.zeros((2, 32, 32, 1)))


def test_class_coverage():
    c = class_coverage([0, 0, 1, 1, 2, -1], 3)
    assert c["counts"] == [2, 2, 1] and c["classes_covered"] == 3 and c["recognised"] == pytest.approx(5 / 6, abs=1e-4)
    assert c["ratio"] == [1.2, 1.2, 0.6] and c["all_within_factor"]
    c = class_coverage([0] * 9 + [1], 3, reference=[0, 1, 2])
    assert c["classes_covered"] == 2 and not c["all_within_factor"] and c["min_ratio"] == 0
    c = class_coverage([0, 1], 2, reference=[0, 0, 0, 1])  # expected shares 3/4, 1/4
    assert c["expected"] == [0.75, 0.25] and c["ratio"] == [pytest.approx(2 / 3, abs=1e-3), 2.0]
    with pytest.raises(ValueError, match="-1..2"):
        class_coverage([3], 3)
    with pytest.raises(ValueError, match="empty"):
        class_coverage([], 3)


def test_image_folder(tmp_path, capsys):
    from PIL import Image
    rng = np.random.default_rng(0)
    (tmp_path / "sub").mkdir()
    Image.fromarray(rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(rng.integers(0, 256, (50, 30), dtype=np.uint8)).save(tmp_path / "sub" / "b.JPG")
    (tmp_path / "notes.txt").write_text("not an image")
    x = image_folder(tmp_path, size=16)
    assert x.shape == (2, 16, 16, 3) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert "2 from folder" in capsys.readouterr().out
    assert image_folder(tmp_path, size=8, n=1).shape == (1, 8, 8, 3)
    x2, labels, src = load_images(str(tmp_path), size=8)
    assert x2.shape == (2, 8, 8, 3) and labels is None and src.startswith("folder:")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images .*it is empty"):
        image_folder(tmp_path / "empty")


def test_image_folder_survives_a_real_students_folder(tmp_path, capsys):
    """Corrupt and non-image files are skipped and named; odd modes, EXIF rotation and huge images are read."""
    from PIL import Image

    from gan_course.image_files import read_image

    red = np.zeros((20, 40, 3), np.uint8)
    red[:, :20] = (255, 0, 0)                                        # left half red, right half black
    Image.fromarray(red).save(tmp_path / "rgb.png")
    Image.fromarray(np.full((30, 30), 128, np.uint8)).save(tmp_path / "grey.png")
    rgba = np.zeros((30, 30, 4), np.uint8)
    rgba[..., 1], rgba[..., 3] = 255, 128                           # half-transparent green
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    Image.fromarray(red).convert("P", palette=Image.ADAPTIVE, colors=4).save(tmp_path / "palette.gif")
    Image.fromarray(np.full((30, 30), 65535 // 4, np.uint16)).save(tmp_path / "deep.png")  # 16-bit grey
    exif = Image.Exif()
    exif[0x0112] = 6                                                 # "rotate 90° clockwise to view"
    Image.fromarray(red).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    Image.new("RGB", (4000, 3000), (0, 0, 255)).save(tmp_path / "huge.jpg", quality=80)
    good = sorted(p.name for p in tmp_path.iterdir())
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "fake.jpg").write_text("a text file renamed .jpg")
    (tmp_path / "cut.png").write_bytes((tmp_path / "rgb.png").read_bytes()[:60])  # truncated download
    x = image_folder(tmp_path, size=16)
    out = capsys.readouterr().out
    assert x.shape == (len(good), 16, 16, 3) and np.isfinite(x).all() and 0 <= x.min() and x.max() <= 1
    skipped = out.splitlines()[0]
    assert skipped.startswith("Skipped 4 files") and all(n in skipped for n in (".DS_Store", "notes.txt", "fake.jpg",
                                                                                 "cut.png"))
    assert f"Images: {len(good)} from folder" in out
    assert np.allclose(read_image(tmp_path / "grey.png", 8), 128 / 255, atol=1e-6)
    np.testing.assert_allclose(read_image(tmp_path / "alpha.png", 8)[4, 4], [0, 128 / 255, 0], atol=0.01)
    np.testing.assert_allclose(read_image(tmp_path / "deep.png", 8), 0.25, atol=0.01)
    pal = read_image(tmp_path / "palette.gif", 20)
    assert pal[10, 2, 0] > 0.9 and pal[10, 17, 0] < 0.1
    turned = read_image(tmp_path / "phone.jpg", 20)                 # rotated upright: red is on top now
    assert turned[2, 10, 0] > 0.8 and turned[17, 10, 0] < 0.2
    np.testing.assert_allclose(read_image(tmp_path / "huge.jpg", 16).mean(axis=(0, 1)), [0, 0, 1], atol=0.02)
    for name in good:
        (tmp_path / name).unlink()
    with pytest.raises(ValueError, match="none of the 2 image files"):
        image_folder(tmp_path, size=16)


def test_offline_faces_and_cifar(monkeypatch, capsys):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    x = faces(size=32)
    assert x.shape == (200, 32, 32, 3) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1
    assert np.array_equal(x[..., 0], x[..., 2])  # greyscale repeated
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "low resolution" in out and images.LAST_SOURCE == "lfw"
    assert faces(size=16, n=10).shape == (10, 16, 16, 3)
    with pytest.raises(RuntimeError, match="lfw"):
        faces(source="celeba")
    with pytest.raises(RuntimeError, match="stand-in"):
        images.cifar10()
    x, y, src = load_images("cifar10", size=32, n=24)
    assert src == "shapes" and x.shape == (24, 32, 32, 3) and np.bincount(y).tolist() == [2] * 12
    assert "using the offline stand-in" in capsys.readouterr().out
    assert load_images("faces", size=16, n=5)[2] == "faces-lfw"


def test_cifar_from_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))
    (tmp_path / "cifar10").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "cifar10" / "cifar10.npz", x_train=rng.integers(0, 256, (20, 32, 32, 3), dtype=np.uint8),
             y_train=np.arange(20) % 10, x_test=rng.integers(0, 256, (10, 32, 32, 3), dtype=np.uint8),
             y_test=np.arange(10))
    x, y = images.cifar10("train", n=8)
    assert x.shape == (8, 32, 32, 3) and y.shape == (8,) and x.max() <= 1
    x, _, src = load_images("cifar10", size=64, n=4)
    assert src == "cifar10" and x.shape == (4, 64, 64, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="whole number"):
        shapes(0)
    with pytest.raises(ValueError, match="folder path"):
        load_images("mnist")
    with pytest.raises(TypeError):
        load_images(3)
    with pytest.raises(ValueError, match="source"):
        faces(source="web")
