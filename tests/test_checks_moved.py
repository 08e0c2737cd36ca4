"""Old import paths of the checks keep working for one release (students' saved exercise copies use them).

Every name the old flat modules exported (their ``__all__`` before the move, listed here by hand so
that a shim cannot quietly drop one) still imports from its old path, is the new check (or a thin
wrapper around it that keeps the old default framework), and importing the old module warns with a
DeprecationWarning that names the new path. A few old names are then run on the lessons' own answers.
"""
import importlib
import math
import inspect
import sys
import warnings

import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow / torch import order)

OLD = {  # old module: (its new home, the names it exported)
    "gan_course.checks_gan": ("gan_course.checks.gan", [
        "check_discriminator_loss", "check_generator_loss", "check_train_step"]),
    "gan_course.checks_vae": ("gan_course.checks.vae", [
        "check_reparameterize", "check_kl_to_standard_normal", "check_vae_loss"]),
    "gan_course.checks_cgan": ("gan_course.checks.cgan", [
        "check_condition", "check_cgan_discriminator_loss", "check_sample_digit"]),
    "gan_course.checks_theory": ("gan_course.checks.gan_theory", [
        "check_optimal_discriminator", "check_value_function", "check_jsd_from_value", "check_generator_loss"]),
    "gan_course.checks_pathologies": ("gan_course.checks.pathologies", [
        "check_add_instance_noise", "check_discriminator_loss", "check_mode_coverage", "check_pearson_chi2"]),
    "gan_course.checks_dcgan": ("gan_course.checks.convarith", [
        "check_conv_output_size", "check_conv_transpose_output_size", "check_output_sizes", "check_transposed_conv",
        "check_generator_block", "check_discriminator_block", "check_generator"]),
    "gan_course.checks_dcgan_keras": ("gan_course.checks.dcgan_keras", ["check_g_block", "check_d_block"]),
    "gan_course.checks_wgan": ("gan_course.checks.wgan", [
        "CRITIC_LOSS_CASES", "critic_loss_reference", "critic_loss_grads", "critic_loss_diagnoses",
        "tanh_critic_params", "tanh_critic_grads", "alpha_problem", "penalty_problem", "penalty_cases",
        "check_critic_loss", "check_clip_weights", "check_gradient_penalty", "check_critic"]),
    "gan_course.checks_wgan_keras": ("gan_course.checks.wgan_keras", [
        "check_critic_loss", "check_clip_weights", "check_gradient_penalty", "check_critic"]),
}
NEW_HOMES = ["gan_course.checks.gan", "gan_course.checks.vae", "gan_course.checks.cgan", "gan_course.checks.gan_theory",
             "gan_course.checks.pathologies", "gan_course.checks.convarith", "gan_course.checks.dcgan_torch",
             "gan_course.checks.dcgan_keras", "gan_course.checks.wgan", "gan_course.checks.wgan_torch",
             "gan_course.checks.wgan_keras"]
PACKAGE_NAMES = ["CheckFailed", "Diagnosis", "run_checks", "call_student", "check_entropy", "check_cross_entropy",
                 "check_kl_divergence", "check_js_divergence", "check_kl_gaussian", "check_to_tanh_range",
                 "check_channels_first", "check_one_hot"]


def _import_fresh(name):
    """Import ``name`` anew (as a student's fresh kernel would), recording its warnings."""
    sys.modules.pop(name, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
    return module, [w for w in caught if issubclass(w.category, DeprecationWarning)]


def _new_objects():
    return {id(getattr(importlib.import_module(m), n)) for m in NEW_HOMES for n in dir(importlib.import_module(m))}


@pytest.mark.parametrize("old", sorted(OLD))
def test_every_old_name_imports_from_its_old_path(old):
    pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    home, names = OLD[old]
    module, warned = _import_fresh(old)
    assert warned, f"importing {old} should warn that it moved"
    assert home in str(warned[0].message), str(warned[0].message)
    assert warned[0].filename == __file__, "the warning should point at the line that imported the old module"
    new = _new_objects()
    for name in names:
        obj = getattr(module, name)  # AttributeError: the shim lost an old name
        exec(f"from {old} import {name}", {})
        if callable(obj) and not inspect.isclass(obj):
            target = getattr(obj, "__wrapped__", obj)  # with_framework keeps the old default framework
            assert id(target) in new, f"{old}.{name} is not one of the new checks"


def test_the_package_keeps_its_old_names():
    namespace = {}
    exec(f"from gan_course.checks import {', '.join(PACKAGE_NAMES)}", namespace)
    assert all(callable(namespace[n]) for n in PACKAGE_NAMES)


def test_old_names_run_on_the_lessons_answers(capsys):
    pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    from gan_course import gan_torch, info, wgan_keras, wgan_torch
    from gan_course.checks_dcgan import check_conv_output_size
    from gan_course.checks_dcgan_keras import check_g_block
    from gan_course.checks_gan import check_generator_loss
    from gan_course.checks_theory import check_jsd_from_value
    from gan_course.checks_wgan import check_critic_loss as torch_critic_loss
    from gan_course.checks_wgan_keras import check_critic_loss as keras_critic_loss
    from gan_course.dcgan_keras import g_block

    from gan_course.checks import check_entropy

    check_entropy(info.entropy)
    check_jsd_from_value(lambda v: (v + 2 * math.log(2)) / 2)
    check_conv_output_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
    check_generator_loss(gan_torch.generator_loss)        # the old default: framework="torch"
    torch_critic_loss(wgan_torch.critic_loss)              # checks_wgan was the PyTorch twin's ...
    keras_critic_loss(wgan_keras.critic_loss)              # ... checks_wgan_keras the Keras twin's
    check_g_block(g_block)                                 # the old Keras name of check_generator_block
    assert capsys.readouterr().out.count("✅") == 7
