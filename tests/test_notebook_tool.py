"""The lecturer's re-execution tool keeps saved notebooks readable."""
import os
import subprocess
import sys

from gan_course.tools.notebooks import final_lines


def test_final_lines_keeps_each_lines_last_redraw():
    assert final_lines("a:  10%\ra: 100%\n") == "a: 100%\n"
    assert final_lines("start\nbar 1/3\rbar 3/3\ndone\n") == "start\nbar 3/3\ndone\n"


def test_final_lines_drops_lines_a_closed_bar_erased():
    assert final_lines("keep\n 50%\r     \rnext\n") == "keep\nnext\n"
    assert final_lines("plain text\n\nmore") == "plain text\n\nmore"


def test_text_progress_switch_replaces_the_widget_bar():
    code = "import gan_course, tqdm.auto, tqdm.std; print(tqdm.auto.tqdm is tqdm.std.tqdm)"
    for flag, expected in (("1", "True"), ("0", "False")):
        env = dict(os.environ, GAN_COURSE_TEXT_PROGRESS=flag)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == expected


def test_coalesce_streams_joins_a_bars_redraws_into_one_output():
    import nbformat
    outs = [nbformat.v4.new_output("stream", name="stderr", text="bar:   0%| 0/3"),
            nbformat.v4.new_output("stream", name="stderr", text="\rbar: 100%| 3/3"),
            nbformat.v4.new_output("stream", name="stderr", text="\n"),
            nbformat.v4.new_output("stream", name="stdout", text="result 42\n")]
    merged = __import__("gan_course.tools.notebooks", fromlist=["x"]).coalesce_streams(outs)
    assert [(o["name"], o["text"]) for o in merged] == [("stderr", "bar: 100%| 3/3\n"), ("stdout", "result 42\n")]


def test_keep_cell_ids_reuses_ids_of_unchanged_cells():
    import nbformat
    from gan_course.tools.notebooks import keep_cell_ids
    old = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 1"),
                                          nbformat.v4.new_code_cell("y = 2")])
    new = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("x = 10"),
                                          nbformat.v4.new_code_cell("y = 2")])
    before = new.cells[1].id
    keep_cell_ids(new, old)
    assert [c.id for c in new.cells] == [old.cells[0].id, before, old.cells[2].id]


def test_the_old_module_name_still_runs_with_a_note():
    out = subprocess.run([sys.executable, "-m", "gan_course.notebooks", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "python -m gan_course.tools.notebooks" in out.stdout
    assert "is now `python -m gan_course.tools.notebooks`" in out.stderr
