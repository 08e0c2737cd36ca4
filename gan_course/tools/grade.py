"""Grade a folder of submitted exercise notebooks: which blanks pass their checks.

Usage: ``python -m gan_course.tools.grade SUBMISSIONS/ --lesson 04 [--out grades/] [--time-limit 600] [--jobs 2]``

Every file under SUBMISSIONS (sub-folders too: ``alice/04.ipynb``) is one
submission. Each is copied into its own temporary folder and executed there, in
a fresh kernel, in quick mode (``GAN_COURSE_QUICK=1``), with a time limit per
notebook; all cells run even after an error, so a blank finished after an
unfinished one still counts. For every blank of the lesson's exercise notebook
the check cell after it decides:

* ``passed``: the check printed ``✅ <name>: ...``;
* ``failed``: it raised ``CheckFailed`` (shown as ``❌ <name>: not yet right.``;
  the hint is recorded), raised anything else, or ran past the time limit;
* ``not reached``: the run ended before it (time limit, dead kernel), or the
  check cell was deleted.

Blanks and checks are found the way the generator (``gan_course.tools.exercises``)
writes them: a blank is a code cell with ``# YOUR CODE HERE`` followed by
``raise NotImplementedError("Blank: ...")``, its check is the next code cell
that calls a ``check_*`` function. A submission is matched to its exercise by
the generator's stamp in its first cell, else by the check cells it contains,
so a renamed file is still graded. A check cell a student edited is run as
generated (the note column says so). Outputs saved in a submission are cleared
first: only this run counts.

Writes, under ``--out`` (default ``./grades``): ``grades.csv`` (one row per
submission, even one that is not valid JSON, never finishes or kills its
kernel: the ``outcome`` and ``note`` columns say what happened), ``summary.md``
(per blank: the share of students passing; per student: blanks passed; also
printed) and ``executed/`` (each executed copy, to read a student's outputs).
Submissions are never modified.

What it is not: a sandbox. Grading runs the students' code with your
permissions: run it in a container or as an unprivileged user. Nor is it
nbgrader: no hidden tests, no manual grading, no student records.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import notebooks_dir

__all__ = ["Blank", "Exercise", "Result", "load_exercises", "grade_submission", "grade", "main"]

COMMAND = "python -m gan_course.tools.grade"
BLANK_MARK = re.compile(r"^\s*# YOUR CODE HERE\s*\n\s*raise NotImplementedError\(\"Blank:", re.M)
CHECK_CALL = re.compile(r"^[ \t]*(check_\w+)\s*\(.*$", re.M)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PASSED, FAILED, NOT_REACHED = "passed", "failed", "not reached"
DEFAULT_TIME_LIMIT_S = 600


@dataclass
class Blank:
    """One blank of an exercise and the check cell that judges it. ``name``: the check without ``check_``."""

    name: str
    check: str        # the check function, e.g. "check_entropy"
    call: str         # the line that calls it, as generated, e.g. "check_entropy(entropy)"
    source: str       # the whole check cell, as generated


@dataclass
class Exercise:
    """A generated exercise notebook and its blanks, in order."""

    stem: str
    path: Path
    generated_from: str
    blanks: list[Blank]


@dataclass
class Result:
    """The grade of one submission: ``outcome`` (graded / not a notebook / time limit / kernel died / ...),
    per blank a status and a hint, and a note saying what happened."""

    file: str
    exercise: str = ""
    outcome: str = "graded"
    status: dict = field(default_factory=dict)   # blank name -> passed / failed / not reached
    hints: dict = field(default_factory=dict)    # blank name -> hint (failed) or reason (not reached)
    notes: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> int:
        return sum(s == PASSED for s in self.status.values())


# ---- the lesson's exercises -----------------------------------------------------------------------
def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _blanks(cells) -> list[Blank]:
    """The blanks of a generated exercise, each with the first check cell after it."""
    blanks, waiting = [], False
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        src = _source(cell)
        if BLANK_MARK.search(src):
            waiting = True
            continue
        calls = CHECK_CALL.findall(src)
        if waiting and calls:
            call = next(m.group(0).strip() for m in CHECK_CALL.finditer(src))
            blanks.append(Blank(calls[0][len("check_"):], calls[0], call, src))
            waiting = False
    return blanks


def load_exercises(lesson: str, exercises_dir: str | Path | None = None) -> list[Exercise]:
    """The exercise notebooks of one lesson (``"04"`` gives both twins; a full stem gives one).

    Example: ``load_exercises("01")[0].blanks[0].name`` -> ``"entropy"``.
    """
    folder = Path(exercises_dir) if exercises_dir else notebooks_dir("exercises")
    every = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    chosen = [p for p in every if p.stem == lesson or p.stem.startswith(f"{lesson}_")]
    if not chosen:
        raise ValueError(f"no exercise notebook for lesson {lesson!r} in {folder}; "
                         f"there are: {[p.stem for p in every]}. Give a number (04) or a name (04_vanilla_gan_keras).")
    out = []
    for path in chosen:
        nb = json.loads(path.read_text(encoding="utf-8"))
        stamp = nb["cells"][0].get("metadata", {}).get("gan_course", {}) if nb["cells"] else {}
        out.append(Exercise(path.stem, path, stamp.get("generated_from", ""), _blanks(nb["cells"])))
    return out


# ---- one submission -------------------------------------------------------------------------------
def _read_notebook(path: Path):
    """The submission as an nbformat notebook, or raise ValueError saying why it is not one."""
    import nbformat

    text = path.read_bytes().decode("utf-8", errors="replace")
    if path.suffix == ".md":
        import jupytext
        try:
            return jupytext.reads(text, fmt="md:myst")
        except Exception as err:  # noqa: BLE001 -- any parse failure is the submission's, reported
            raise ValueError(f"not a readable MyST notebook ({type(err).__name__}: {err})"[:300]) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
                         "was the notebook saved completely?") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
        raise ValueError("valid JSON but not a notebook (no list of cells)")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as err:  # noqa: BLE001
        raise ValueError(f"not a readable notebook ({type(err).__name__}: {err})"[:300]) from None


def _match(nb, exercises: list[Exercise]) -> tuple[Exercise | None, str]:
    """Which exercise a submission is, and how we know (stamp, check cells)."""
    stamp = nb.cells[0].get("metadata", {}).get("gan_course", {}) if nb.cells else {}
    source = stamp.get("generated_from")
    for ex in exercises:
        if source and source == ex.generated_from:
            return ex, ""
    text = "\n".join(_source(c) for c in nb.cells if c.get("cell_type") == "code")
    scores = [(sum(b.call in text for b in ex.blanks), sum(b.check + "(" in text for b in ex.blanks), ex)
              for ex in exercises]
    best = max(scores, key=lambda s: s[:2])
    if best[1] == 0:
        where = f"it was generated from {source}" if source else "none of its cells calls this lesson's checks"
        return None, f"not an exercise of this lesson: {where}"
    return best[2], "" if not source else f"its stamp says {source}; graded by its check cells"


def _check_cells(nb, blanks: list[Blank], notes: list) -> dict[str, int]:
    """Index of each blank's check cell in the submission; edited ones are reset to the generated source."""
    where = {}
    code = [(i, _source(c)) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    for blank in blanks:
        exact = [i for i, src in code if src.strip() == blank.source.strip() and i not in where.values()]
        calls = [i for i, src in code if blank.call in src and i not in where.values()]
        named = [i for i, src in code if re.search(rf"^\s*{blank.check}\s*\(", src, re.M) and i not in where.values()]
        hits = exact or calls or named
        if not hits:
            continue
        where[blank.name] = hits[0]
        if not exact:
            nb.cells[hits[0]].source = blank.source
            notes.append(f"check cell of {blank.name} was edited; graded as generated")
    return where


def _error_lines(output) -> list[str]:
    lines = [ANSI.sub("", line) for line in output.get("traceback", [])]
    return [ln for chunk in lines for ln in chunk.splitlines()]


def _judge(cell, blank_cell=None) -> tuple[str, str]:
    """(status, hint) of one executed check cell; ``blank_cell``: the code cell above it."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            lines = _error_lines(out)
            if lines and lines[0].startswith("❌") and "not yet right" in lines[0]:
                return FAILED, "\n".join(lines[1:]).strip() or str(out.get("evalue", ""))
            hint = f"the check cell raised {out.get('ename')}: {str(out.get('evalue', ''))[:300]}"
            for above in (blank_cell.get("outputs", []) if blank_cell is not None else []):
                if above.get("output_type") == "error":
                    hint += f" (the cell with the blank raised {above.get('ename')}: {str(above.get('evalue'))[:200]})"
            return FAILED, hint
    text = "".join(_source({"source": o.get("text", "")}) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream")
    if re.search(r"^✅", text, re.M):
        return PASSED, ""
    return FAILED, "the check printed no ✅ line"


def _kernel_env() -> dict:
    env = dict(os.environ, GAN_COURSE_QUICK="1", MPLBACKEND="Agg", OMP_WAIT_POLICY="PASSIVE",
               TF_CPP_MIN_LOG_LEVEL="3", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("JPY_PARENT_PID", None)
    return env


def _execute(nb, workdir: Path, time_limit: float) -> tuple[set, int | None, str]:
    """Run every cell (errors do not stop the run); return (cells run, cell where it stopped, why)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(nb, timeout=int(time_limit), kernel_name="python3", allow_errors=True,
                            record_timing=False, resources={"metadata": {"path": str(workdir)}})
    done, deadline, index = set(), time.monotonic() + time_limit, None
    log_path = workdir / "kernel.log"
    try:
        # the kernel starts in workdir; its own messages go to kernel.log, not the lecturer's terminal
        with open(log_path, "wb") as log, client.setup_kernel(env=_kernel_env(), stdout=log, stderr=log):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = deadline - time.monotonic()
                if left < 1:
                    return done, index, "time limit"
                client.timeout = max(1, int(left))
                client.execute_cell(cell, index)
                done.add(index)
    except CellTimeoutError:
        return done, index, "time limit"
    except DeadKernelError:
        tail = [ln for ln in log_path.read_text(errors="replace").splitlines()
                if ln.strip() and "without encryption" not in ln][-2:]
        return done, index, "kernel died" + (f" (its last words: {' / '.join(tail)[:200]})" if tail else "")
    except RuntimeError as err:  # the kernel failed to start, or died while starting
        return done, None, f"kernel error: {str(err)[:200]}"
    return done, None, ""


def grade_submission(path: Path, exercises: list[Exercise], *, time_limit: float = DEFAULT_TIME_LIMIT_S,
                     label: str | None = None, keep: Path | None = None) -> Result:
    """Grade one file; never raises for anything the submission contains.

    Example: ``grade_submission(Path("subs/alice.ipynb"), load_exercises("01")).status``.
    """
    result = Result(label or path.name)
    start = time.monotonic()
    try:
        nb = _read_notebook(path)
    except (ValueError, OSError) as err:
        result.outcome, result.notes = "not a notebook", [str(err)]
        _mark_all(result, exercises, "the file could not be read as a notebook")
        return result
    exercise, how = _match(nb, exercises)
    if how:
        result.notes.append(how)
    if exercise is None:
        result.outcome = "wrong notebook"
        _mark_all(result, exercises, how)
        return result
    result.exercise = exercise.stem
    for cell in nb.cells:  # only this run counts
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    where = _check_cells(nb, exercise.blanks, result.notes)
    with tempfile.TemporaryDirectory(prefix="gan-course-grade-") as tmp:  # the kernel's working folder
        try:
            done, stopped, why = _execute(nb, Path(tmp), time_limit)
        except Exception as err:  # noqa: BLE001 -- the grader never crashes on a submission
            done, stopped, why = set(), None, f"grader error: {type(err).__name__}: {str(err)[:200]}"
    if keep is not None:
        _save(nb, keep, result.file)
    if why:
        result.outcome = re.split(r"[:(]", why)[0].strip()
        cell = f" in cell {stopped + 1}" if stopped is not None else ""
        result.notes.append(f"{why}{cell}" + (f" (limit {time_limit:g} s)" if why == "time limit" else ""))
    for blank in exercise.blanks:
        index = where.get(blank.name)
        if index is None:
            result.status[blank.name], result.hints[blank.name] = NOT_REACHED, "its check cell was deleted"
        elif index in done:
            above = next((c for c in reversed(nb.cells[:index]) if c.cell_type == "code"), None)
            result.status[blank.name], result.hints[blank.name] = _judge(nb.cells[index], above)
        elif index == stopped:
            result.status[blank.name] = FAILED
            result.hints[blank.name] = ("the check did not finish within the time limit (an endless loop?)"
                                        if why == "time limit" else f"the run ended in the check cell: {why}")
        else:
            result.status[blank.name], result.hints[blank.name] = NOT_REACHED, f"the run ended before it ({why})"
    result.seconds = time.monotonic() - start
    return result


def _mark_all(result: Result, exercises: list[Exercise], why: str) -> None:
    for ex in exercises:
        for blank in ex.blanks:
            result.status.setdefault(blank.name, NOT_REACHED)
            result.hints.setdefault(blank.name, why)


def _save(nb, folder: Path, label: str) -> None:
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", label)
    name = name if name.endswith(".ipynb") else name + ".ipynb"
    nbformat.write(nb, str(folder / name))


# ---- a folder of submissions ----------------------------------------------------------------------
def _submissions(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and not any(p.startswith(".") or p == "__pycache__" for p in parts):
            files.append(path)
    return files


def _columns(exercises: list[Exercise]) -> list[str]:
    names = []
    for ex in exercises:
        names += [b.name for b in ex.blanks if b.name not in names]
    return names


def write_csv(results: list[Result], exercises: list[Exercise], path: Path) -> None:
    """One row per submission: outcome, blanks passed, and each blank's status and hint."""
    blanks = _columns(exercises)
    head = ["submission", "exercise", "outcome", "passed", "blanks", "seconds", "note"]
    head += [c for b in blanks for c in (b, f"{b} hint")]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(head)
        for r in results:
            total = len(next((ex.blanks for ex in exercises if ex.stem == r.exercise), [])) or len(blanks)
            row = [r.file, r.exercise, r.outcome, r.passed, total, f"{r.seconds:.1f}", "; ".join(r.notes)]
            row += [c for b in blanks for c in (r.status.get(b, ""), r.hints.get(b, ""))]
            out.writerow(row)


def summary(results: list[Result], exercises: list[Exercise]) -> str:
    """Markdown tables: per blank the share of students passing, per student the blanks passed."""
    blanks = _columns(exercises)
    lines = [f"# Grades: {', '.join(ex.stem for ex in exercises)}", "",
             f"{len(results)} submissions.", "", "| blank | passed | of | share |", "|---|---:|---:|---:|"]
    for b in blanks:
        graded = [r for r in results if b in r.status]
        ok = sum(r.status[b] == PASSED for r in graded)
        share = f"{100 * ok / len(graded):.0f}%" if graded else "-"
        lines.append(f"| {b} | {ok} | {len(graded)} | {share} |")
    lines += ["", "| submission | exercise | blanks passed | outcome |", "|---|---|---:|---|"]
    for r in results:
        total = len(next((ex.blanks for ex in exercises if ex.stem == r.exercise), [])) or len(blanks)
        lines.append(f"| {r.file} | {r.exercise or '-'} | {r.passed}/{total} | {r.outcome} |")
    return "\n".join(lines) + "\n"


def _grade_one(path: Path, exercises: list[Exercise], time_limit: float, label: str, keep: Path) -> Result:
    try:
        return grade_submission(path, exercises, time_limit=time_limit, label=label, keep=keep)
    except Exception as err:  # noqa: BLE001 -- a bug here must not lose the other rows
        r = Result(label, outcome="grader error", notes=[f"{type(err).__name__}: {str(err)[:300]}"])
        _mark_all(r, exercises, "the grader failed on this file")
        return r


def grade(submissions: str | Path, lesson: str, *, out: str | Path = "grades", time_limit: float =
          DEFAULT_TIME_LIMIT_S, exercises_dir: str | Path | None = None, jobs: int = 1, log=None) -> list[Result]:
    """Grade every file under ``submissions``; write grades.csv, summary.md and executed/ under ``out``.

    ``jobs`` notebooks run at once (each in its own process and kernel).
    Example: ``grade("submissions/", "01", out="grades/01", time_limit=120)``.
    """
    log = log or sys.stdout
    folder, out = Path(submissions), Path(out)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder of submissions")
    exercises = load_exercises(lesson, exercises_dir)
    files = _submissions(folder)
    labels = [path.relative_to(folder).as_posix() for path in files]
    args = [(path, exercises, time_limit, label, out / "executed") for path, label in zip(files, labels)]
    results = []

    def report(r: Result) -> None:
        results.append(r)
        print(f"[{len(results)}/{len(files)}] {r.file}: {r.passed} passed, {r.outcome} ({r.seconds:.0f} s)",
              file=log, flush=True)

    if jobs > 1 and len(files) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for future in as_completed([pool.submit(_grade_one, *a) for a in args]):
                report(future.result())
    else:
        for a in args:
            report(_grade_one(*a))
    results.sort(key=lambda r: labels.index(r.file))
    write_csv(results, exercises, out / "grades.csv")
    text = summary(results, exercises)
    (out / "summary.md").write_text(text, encoding="utf-8")
    print("\n" + text + f"\nWrote {out / 'grades.csv'}, {out / 'summary.md'} and {out / 'executed'}/.", file=log)
    return results


def main(argv=None) -> int:
    """Command line entry point; see the module docstring. Example: ``main(["subs/", "--lesson", "01"])``."""
    parser = argparse.ArgumentParser(prog=COMMAND, description="Execute submitted exercise notebooks (copies, "
                                     "quick mode, fresh kernel each) and tabulate which blanks pass their checks. "
                                     "This runs the students' code: use a container or an unprivileged user.")
    parser.add_argument("submissions", metavar="SUBMISSIONS", help="folder of submitted notebooks (sub-folders too)")
    parser.add_argument("--lesson", required=True, help="lesson number (04: both twins) or exercise name")
    parser.add_argument("--out", default="grades", help="output folder (default: ./grades)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S, metavar="SECONDS",
                        help=f"per notebook (default: {DEFAULT_TIME_LIMIT_S})")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default: 1)")
    parser.add_argument("--exercises", metavar="DIR", help="the exercises folder (default: ./notebooks/exercises)")
    args = parser.parse_args(argv)
    try:
        grade(args.submissions, args.lesson, out=args.out, time_limit=args.time_limit, exercises_dir=args.exercises,
              jobs=args.jobs)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
