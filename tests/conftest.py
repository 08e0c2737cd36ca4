"""Test configuration shared by the unit tests and nbval.

Every notebook runs in quick mode under test (tiny budgets), with matplotlib's
non-interactive backend.
"""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]

os.environ.setdefault("GAN_COURSE_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# Two notebooks run at once on 2 cores (-n 2): OpenMP threads that spin-wait for each
# other make small torch steps ~10x slower under that contention.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Never collect the generated student notebooks with nbval: they fail on purpose
# (at their blanks); tests/test_exercises.py checks exactly how they fail.
collect_ignore_glob = [str(ROOT / "notebooks" / "exercises" / "*")]
