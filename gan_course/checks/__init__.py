"""Exercise checks: after each blank, a check cell runs the student's function and names the mistake.

Each lesson's checks live in a module named after the ``gan_course`` module they check
(``checks.X`` below is ``gan_course.checks.X``; ``_torch`` / ``_keras``: the two twins):

======  ====================  ===================================  ===========================================
lesson  notebook              model module(s), ``gan_course.``     checks module(s)
======  ====================  ===================================  ===========================================
00      welcome               ``data``                             ``checks.data``
01      information_theory    ``info``                             ``checks.info``
02      autoencoders_vae      ``vae_torch``, ``vae_keras``         ``checks.vae`` (``framework=``)
03      gan_theory            ``gan_theory``                       ``checks.gan_theory``
04      vanilla_gan           ``gan_torch``, ``gan_keras``         ``checks.gan`` (``framework=``)
05      conditional_gan       ``cgan_torch``, ``cgan_keras``       ``checks.cgan`` (``framework=``)
06      dcgan                 ``convarith``                        ``checks.convarith``
                              ``dcgan_torch``, ``dcgan_keras``     ``checks.dcgan_torch``, ``checks.dcgan_keras``
07      training_pathologies  ``modes``, ``fdiv`` (no single one)  ``checks.pathologies`` (the lesson's name)
08      wgan                  ``wgan_torch``, ``wgan_keras``       ``checks.wgan`` (``framework=``),
                                                                   ``checks.wgan_torch``, ``checks.wgan_keras``
10      evaluating_gans       ``metrics``, ``features``,           ``checks.metrics``
                              ``quality``
11      scaling_up            ``scale`` (a package)                ``checks.scale``
======  ====================  ===================================  ===========================================

One rule for the two frameworks: a check written once for both twins takes ``framework="torch"`` or
``framework="keras"`` (required; nothing is guessed); a check that needs a framework's layers or tapes
is written twice, in ``<module>_torch`` and ``<module>_keras``, under the same public names.
Lessons 03 and 07 have one notebook, in PyTorch, and their checks take torch tensors.
Lessons 10 and 11 have one notebook each, and their checks are framework-free (numpy):
``checks.metrics`` has ``check_frechet_gaussian``, ``check_mmd2_unbiased`` and ``check_precision_recall_knn``;
``checks.scale`` has ``check_global_moments``, ``check_ring_allreduce_bytes`` and ``check_gan_step_bytes``.

Underneath: ``checks.core`` (``CheckFailed``, ``Diagnosis``, ``run_checks``, ``call_student``), the
engine every check uses, and ``checks._kit``, the helpers several lessons share (hints for a blank,
a crash or a value passed instead of a function; numpy references; framework adapters).

What it is not: a grader (nothing is recorded). The lecturer's tools are in ``gan_course.tools``.
For students' saved copies, ``from gan_course.checks import check_entropy, CheckFailed, ...`` keeps working,
and so do the old modules ``gan_course.checks_gan`` etc. for one release (with a DeprecationWarning).
"""
from .core import CheckFailed, Diagnosis, call_student, run_checks
from .data import check_channels_first, check_one_hot, check_to_tanh_range
from .info import check_cross_entropy, check_entropy, check_js_divergence, check_kl_divergence, check_kl_gaussian

__all__ = ["CheckFailed", "Diagnosis", "run_checks", "call_student", "check_entropy", "check_cross_entropy",
           "check_kl_divergence", "check_js_divergence", "check_kl_gaussian",
           "check_to_tanh_range", "check_channels_first", "check_one_hot"]
