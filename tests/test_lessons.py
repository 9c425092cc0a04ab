"""The lesson widgets and helpers, driven without a browser: set values, click buttons, read state."""

import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

from minitf import lessons  # noqa: E402
from minitf.lessons import ch1, ch2, ch3  # noqa: E402
from minitf.lessons.widgets import PNG_SIGNATURE, png_size  # noqa: E402

SMALL_TRAINER = pytest.param(lambda: lessons.LinearClassifierTrainer(*lessons.gaussian_clouds(20)),
                             id="LinearClassifierTrainer")
TRAINERS = [pytest.param(lessons.ThreeFigures, id="ThreeFigures"),
            pytest.param(lessons.GradientDescent1D, id="GradientDescent1D"), SMALL_TRAINER]
PICTURE_WIDGETS = TRAINERS + [pytest.param(lessons.RepresentationExplorer, id="RepresentationExplorer"),
                              pytest.param(lessons.TensorGeometry, id="TensorGeometry")]


def test_import_minitf_does_not_import_widgets_or_matplotlib():
    import subprocess

    code = "import minitf, sys; print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_png_bytes_and_lesson_base():
    fig = lessons.widgets.new_figure(2, 2)
    fig.subplots().plot([0, 1], [1, 0])
    assert lessons.png_bytes(fig).startswith(PNG_SIGNATURE)
    with pytest.raises(NotImplementedError):
        lessons.Lesson([]).redraw()


def test_png_size_reads_the_header():
    fig = lessons.widgets.new_figure(2, 1.5)
    assert png_size(lessons.png_bytes(fig)) == (160, 120)
    assert png_size(lessons.png_bytes(fig, dpi=100)) == (200, 150)
    with pytest.raises(ValueError, match="Not a PNG image"):
        png_size(b"GIF89a" + bytes(30))


@pytest.mark.parametrize("make", PICTURE_WIDGETS)
def test_pictures_show_at_their_pixel_size_never_stretched(make):
    lesson = make()
    width, height = png_size(lesson.image.value)
    assert (width, height) == (round(80 * lesson.figsize[0]), round(80 * lesson.figsize[1]))
    assert (lesson.image.width, lesson.image.height) == (str(width), str(height))
    layout = lesson.image.layout
    # no CSS width (that would override the width above), not stretched across the VBox, shrunk in proportion
    assert layout.width is None and layout.align_self == "flex-start"
    assert (layout.max_width, layout.height) == ("100%", "auto")
    lesson.figsize = (4.0, 2.0)
    lesson.redraw()
    assert (lesson.image.width, lesson.image.height) == ("320", "160") == tuple(map(str, png_size(lesson.image.value)))


@pytest.mark.parametrize("make", PICTURE_WIDGETS + [pytest.param(lessons.RetraceWatcher, id="RetraceWatcher")])
def test_every_lesson_displays_with_a_static_picture_and_a_short_text(make):
    import base64

    lesson = make()
    bundle = lesson._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"}
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == lesson.model_id
    snapshot = base64.b64decode(bundle["image/png"])
    width, height = png_size(snapshot)
    if lesson.has_picture:  # the picture, with the caption's lines above it
        assert width == round(80 * lesson.figsize[0]) and height > round(80 * lesson.figsize[1]) + 20
    else:
        assert lesson.image not in lesson.children and height > 20
    first_status_line = lesson.text.split("\n")[0]
    assert bundle["text/plain"] == (f"{type(lesson).__name__} (an interactive widget: run the notebook to use it)\n"
                                    + first_status_line)
    caption = lesson.caption()  # RetraceWatcher's starts with its function's code, then the settings
    assert any(line.startswith("settings: ") for line in caption) and first_status_line[:40] in "\n".join(caption)
    assert set(lesson._repr_mimebundle_(include=["text/plain"])) == {"text/plain"}
    assert "image/png" not in lesson._repr_mimebundle_(exclude=["image/png"])


def test_the_static_picture_follows_the_widget_state():
    explorer = lessons.RepresentationExplorer()
    assert explorer.caption()[0] == "settings: rotate (degrees) = 0, shear = 0.0, threshold = 0.00"
    before = explorer.snapshot()
    explorer.angle.value = -75
    assert explorer.caption()[0].startswith("settings: rotate (degrees) = -75,")
    assert "100.0%" in explorer.caption()[1] and explorer.snapshot() != before


def test_representation_explorer_finds_the_hidden_axis():
    explorer = lessons.RepresentationExplorer()
    assert bytes(explorer.image.value).startswith(PNG_SIGNATURE)
    assert "45.8%" in explorer.text
    before = explorer.redraws
    explorer.angle.value = -110
    explorer.skew.value = -ch1.HIDDEN_SKEW
    assert explorer.redraws == before + 2
    assert explorer.accuracy() == 1.0
    assert "right for 100.0% of the points" in explorer.text
    explorer.threshold.value = 3.0
    assert explorer.accuracy() == 0.5


def test_transformed_undoes_the_hidden_change_exactly():
    points, _ = lessons.tilted_clouds(n_per_class=5, seed=3)
    explorer = lessons.RepresentationExplorer(n_per_class=5, seed=3)
    explorer.angle.value, explorer.skew.value = -ch1.HIDDEN_TILT, -ch1.HIDDEN_SKEW
    hidden = explorer.transformed()
    hide = ch1.rotation(ch1.HIDDEN_TILT) @ ch1.shear(ch1.HIDDEN_SKEW)
    np.testing.assert_allclose(hidden @ hide.T, points, atol=1e-12)


def test_three_figures_starts_clearly_wrong_and_shows_named_weights_and_their_gradients():
    stepper = lessons.ThreeFigures()
    assert stepper.losses[0] > 2 and stepper.accuracy() < 0.1  # the text says the loss starts high
    assert stepper.weight_names()[:3] == ["w1[0,0]", "w1[0,1]", "w1[0,2]"] and stepper.weight_names()[-1] == "b2[0]"
    weights_ax = stepper_figure_axes(stepper)[0]
    assert [t.get_text() for t in weights_ax.get_xticklabels()] == stepper.weight_names()
    arrows = [a for a in weights_ax.texts if a.arrow_patch is not None]
    downhill = -np.concatenate([g.numpy().ravel() for g in stepper.gradients()])
    assert len(arrows) == int(np.sum(np.abs(downhill) * 1.5 / np.abs(downhill).max() > 0.05)) > 5
    longest = max(arrows, key=lambda a: abs(a.xy[1] - a.xyann[1]))
    assert abs(longest.xy[1] - longest.xyann[1]) == pytest.approx(1.5)
    name, value, gradient = stepper.steepest()
    assert abs(gradient) == pytest.approx(np.abs(downhill).max())
    way = "down" if gradient > 0 else "up"
    assert stepper.text.split("\n")[1] == (f"steepest: {name} = {value:+.3f} with gradient {gradient:+.3f}, so the "
                                           f"next step moves it {way} by learning rate x {abs(gradient):.3f}")
    stepper.learning_rate.value = 0.1
    stepper.step()
    moved = dict(zip(stepper.weight_names(), np.concatenate([w.numpy().ravel() for w in stepper.weights])))
    assert moved[name] == pytest.approx(value - 0.1 * gradient, abs=1e-6)


def stepper_figure_axes(stepper):
    fig = lessons.widgets.new_figure(*stepper.figsize)
    stepper.draw(fig)
    return fig.axes


def test_three_figures_buttons_step_reset_and_lower_the_loss():
    stepper = lessons.ThreeFigures()
    assert stepper.text.startswith("step 0: loss 2.2797, accuracy 3.3%")
    stepper.step_button.click()
    stepper.ten_button.click()
    assert len(stepper.losses) == 12
    assert all(b < a for a, b in zip(stepper.losses, stepper.losses[1:]))
    assert stepper.text.startswith("step 11:")
    assert stepper.accuracy() > 0.9
    stepper.reset_button.click()
    assert stepper.losses == [pytest.approx(2.2797, abs=1e-4)]
    assert sum(int(np.prod(w.shape)) for w in stepper.weights) == stepper.count_params() == 13


def test_three_figures_learning_rate_slider_changes_the_step():
    slow, fast = lessons.ThreeFigures(), lessons.ThreeFigures()
    slow.learning_rate.value = 0.05
    slow.step(5)
    fast.step(5)
    assert fast.losses[-1] < slow.losses[-1] < slow.losses[0]


@pytest.mark.parametrize("make", TRAINERS)
def test_learning_rate_slider_is_echoed_before_the_next_step(make):
    trainer = make()
    status, redraws, image = trainer.text, trainer.redraws, trainer.image.value
    trainer.learning_rate.value = 0.2
    assert trainer.text == status + "learning rate is now 0.20: the next step uses it.\n"
    assert (trainer.redraws, trainer.image.value) == (redraws, image)  # nothing trained, nothing redrawn
    trainer.learning_rate.value = 0.25
    assert trainer.text == status + "learning rate is now 0.25: the next step uses it.\n"
    trainer.step_button.click()
    assert trainer.text.startswith("step 1:") and "is now" not in trainer.text


def test_gradient_descent_echoes_momentum_and_says_reset_once_diverged():
    descent = lessons.GradientDescent1D()
    descent.momentum.value = 0.9
    assert descent.text.endswith("\nmomentum is now 0.90: the next step uses it.\n")
    descent.momentum.value = 0.0
    descent.learning_rate.value = 2.2
    descent.step(40)
    assert descent.diverged
    descent.learning_rate.value = 0.5
    assert descent.text.endswith("diverged; lower the learning rate and Reset\n"
                                 "learning rate is now 0.50: Reset to start again with it.\n")
    descent.reset_button.click()
    assert descent.text.startswith("step 0:") and "is now" not in descent.text


def test_imagenet_chart_and_figures():
    assert lessons.IMAGENET_TOP5_ERROR[2012][0] == 16.4
    fig = lessons.imagenet_chart()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == [str(y) for y in range(2010, 2016)]


def test_tensor_geometry_presets_and_relu():
    geometry = lessons.TensorGeometry()
    assert "det W = 1.00" in geometry.text
    count = geometry.redraws
    geometry.preset.value = "shear"
    assert geometry.redraws == count + 1  # one redraw for the six sliders a preset sets
    assert [s.value for s in geometry.w] == [1.0, 1.0, 0.0, 1.0]
    np.testing.assert_allclose(geometry.apply(np.array([[1.0, 2.0]], "float32")), [[3.0, 2.0]])
    geometry.preset.value = "translation"
    geometry.t[0].value = -2.0
    geometry.relu.value = True
    np.testing.assert_allclose(geometry.apply(np.array([[1.0, -1.0]], "float32")), [[0.0, 0.0]])
    assert "then relu" in geometry.text
    geometry.w[0].value = -1.0
    assert "flipped" in geometry.text


def test_gradient_descent_bowl_converges_or_diverges_with_the_learning_rate():
    descent = lessons.GradientDescent1D()
    assert descent.gradient(-2.0) == pytest.approx(-4.0)
    descent.ten_button.click()
    descent.step_button.click()
    assert len(descent.path) == 12 and abs(descent.w - 2.0) < 0.1
    descent.learning_rate.value = 2.2
    descent.reset_button.click()
    descent.step(40)
    assert descent.diverged and "diverged" in descent.text
    assert len(descent.path) < 41


def test_momentum_rolls_over_the_shallow_valley():
    name = [n for n in ch2.LOSSES if n.startswith("two valleys")][0]
    plain = lessons.GradientDescent1D(loss=name, learning_rate=0.05, momentum=0.0, start=3.0)
    rolling = lessons.GradientDescent1D(loss=name, learning_rate=0.05, momentum=0.9, start=3.0)
    plain.step(60)
    rolling.step(60)
    assert plain.w == pytest.approx(1.59, abs=0.01)
    assert rolling.w < -1.5
    rolling.start.value = 1.0  # a new start resets the path
    assert rolling.path == [1.0]


def test_gaussian_clouds_and_decision_line():
    inputs, targets = lessons.gaussian_clouds(200, seed=1)
    assert inputs.dtype == np.float32 and inputs.shape == (400, 2) and targets.shape == (400, 1)
    np.testing.assert_allclose(inputs[:200].mean(axis=0), [-1, 2], atol=0.2)
    np.testing.assert_allclose(ch3.decision_line([0.2, -0.1], [0.1], [2.0]), [0.0])
    assert ch3.decision_line([1.0, 0.0], [0.0], [0.0]) is None


def test_linear_classifier_trainer_steps_and_redraws_the_line():
    trainer = lessons.LinearClassifierTrainer(*lessons.gaussian_clouds(100))
    first = trainer.image.value
    trainer.step_button.click()
    assert trainer.image.value != first
    trainer.ten_button.click()
    assert len(trainer.losses) == 12 and trainer.losses[-1] < trainer.losses[0]
    trainer.step(30)
    assert trainer.accuracy() > 0.95 and trainer.text.startswith("step 41:")
    trainer.reset_button.click()
    assert trainer.text.startswith("step 0:")


def test_linear_classifier_trainer_detects_divergence_stops_and_says_why():
    trainer = lessons.LinearClassifierTrainer()
    limit = trainer.stable_limit()
    assert 0.15 < limit < 0.22
    trainer.learning_rate.value = round(limit - 0.01, 2)
    trainer.step(60)
    assert not trainer.diverged and trainer.losses[-1] < trainer.losses[0]
    trainer.learning_rate.value = 0.3
    trainer.reset_button.click()
    trainer.ten_button.click()
    assert trainer.diverged and len(trainer.losses) < 11
    assert trainer.text.startswith(f"step {len(trainer.losses) - 1}: diverged, the loss grew from 0.6295 to ")
    assert f"learning rate 0.30 is above {limit:.3f}, the largest step this loss's curvature allows" in trainer.text
    steps = len(trainer.losses)
    trainer.step_button.click()
    assert len(trainer.losses) == steps and np.isfinite(trainer.losses).all()  # no more steps, no nan
    trainer.learning_rate.value = 0.1
    assert trainer.text.endswith("learning rate is now 0.10: Reset to start again with it.\n")
    trainer.reset_button.click()
    assert not trainer.diverged and trainer.text.startswith("step 0:")


def test_linear_classifier_trainer_vertical_line_is_drawn():
    trainer = lessons.LinearClassifierTrainer(*lessons.gaussian_clouds(20))
    trainer.W.assign(np.array([[1.0], [0.0]], "float32"))
    trainer.update()
    assert bytes(trainer.image.value).startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("exercise, answer", [
    ("1.1", -75), ("1.2", 9.4), ("1.3", 13), ("2.1", (37, 64)), ("2.2", 11.0), ("2.3", 38410),
    ("3.1", 22.6), ("3.2", 2080), ("3.3", 2.0), ("4.1", 18.0), ("4.2", 4), ("4.3", 4.0),
])
def test_every_exercise_accepts_its_answer_and_rejects_a_wrong_one(exercise, answer, capsys):
    assert lessons.is_right(exercise, answer)
    lessons.check_answer(exercise, answer)
    assert capsys.readouterr().out.startswith(f"Exercise {exercise}: right.")
    wrong = (1, 1) if isinstance(answer, tuple) else answer + 100
    assert not lessons.is_right(exercise, wrong)
    lessons.check_answer(exercise, wrong)
    assert capsys.readouterr().out.startswith(f"Exercise {exercise}: not yet ({wrong!r} is not it). Hint: ")


NUMBER_EXERCISES = [n for n, e in lessons.EXERCISES.items() if isinstance(e, lessons.exercises.NumberExercise)]
CODE_EXERCISES = [n for n, e in lessons.EXERCISES.items() if isinstance(e, lessons.exercises.CodeExercise)]


def test_each_chapter_has_number_and_code_exercises():
    chapters = sorted({number.split(".")[0] for number in lessons.EXERCISES})
    assert chapters == ["1", "2", "3", "4", "5"]
    for chapter in chapters:
        assert len([n for n in NUMBER_EXERCISES if n.startswith(chapter + ".")]) >= 2
        assert len([n for n in CODE_EXERCISES if n.startswith(chapter + ".")]) >= 2


@pytest.mark.parametrize("number", sorted(lessons.EXERCISES))
def test_every_solution_passes_its_check_and_is_shown_only_when_asked(number, capsys):
    exercise = lessons.EXERCISES[number]
    lessons.solution(number)
    assert capsys.readouterr().out == (f"Solution {number} is written and passes its check; "
                                       f"lessons.solution(\"{number}\", show=True) prints it.\n")
    lessons.solution(number, show=True)
    shown = capsys.readouterr().out
    assert shown.startswith((f"Solution {number}:\n\ndef ", f"Solution {number}:\n\nclass "))  # a layer is a class
    if number in CODE_EXERCISES:
        assert (f"def {exercise.name}(" in shown or f"class {exercise.name}(" in shown) and "_solution" not in shown
        lessons.check(number, exercise.solution)
        assert capsys.readouterr().out.startswith(f"Exercise {number}: right, on all {len(exercise.cases)} hidden")


@pytest.mark.parametrize("number", CODE_EXERCISES)
def test_each_known_mistake_in_a_code_exercise_gets_its_own_hint(number):
    exercise = lessons.EXERCISES[number]
    assert exercise.mistakes
    for wrong, hint in exercise.mistakes:
        right, text = exercise.verdict(wrong)
        assert not right and text.endswith(f"\n  Hint: {hint}"), (hint, text)


# A wrong answer for each mistake recognised by a function (a kind of answer, not one value): every such mistake
# needs one here, so that its hint is checked too.
KINDS_OF_WRONG_ANSWER = {
    "1.1": [-1.309],  # an angle in radians
    "1.2": [25.8 / 16.4],  # a ratio
    "1.3": [[9, 3]],  # a list of counts
    "2.1": [37],  # the right count, not the whole shape
    "4.4": [("int32", "int32"), ("int64", "int64"), ("int64", "int32")],
}


@pytest.mark.parametrize("number", NUMBER_EXERCISES)
def test_each_known_wrong_number_gets_its_own_hint(number):
    exercise = lessons.EXERCISES[number]
    assert exercise.mistakes, f"exercise {number} names no common mistake"
    hints_given = set()
    for value in [value for value in exercise.mistakes if not callable(value)] + KINDS_OF_WRONG_ANSWER.get(number, []):
        right, text = exercise.verdict(value)
        assert not right and text.startswith(f"not yet ({value!r} is not it). Hint: "), text
        hints_given.add(text.split("Hint: ", 1)[1])
    assert hints_given == set(exercise.mistakes.values()), "a known mistake whose hint no wrong answer here gets"
    for value, note in exercise.also_right.items():
        assert exercise.verdict(value)[0] and note in exercise.verdict(value)[1]


def test_number_hints_for_a_right_count_in_the_wrong_form_and_the_books_rounding(capsys):
    import minitf as tf

    assert not lessons.is_right("2.1", 37) and "give the whole shape" in lessons.EXERCISES["2.1"].verdict(37)[1]
    assert lessons.is_right("2.1", [37, 64]) and lessons.is_right("2.1", tf.zeros((37, 64)).shape)
    assert "radians" in lessons.EXERCISES["1.1"].verdict(-1.309)[1]
    assert lessons.is_right("1.2", 9.3) and "book's rounded" in lessons.EXERCISES["1.2"].verdict(9.3)[1]
    assert "ratio" in lessons.EXERCISES["1.2"].verdict(25.8 / 16.4)[1]
    assert lessons.is_right("4.3", tf.constant([4.0]))  # the shape the chapter's own loss returns
    assert not lessons.is_right("4.3", tf.constant([4.0, 4.0]))


def test_a_code_check_reports_unwritten_code_errors_none_and_the_first_wrong_case(capsys):
    def naive_relu_rank3(x):
        """Not written yet."""
        ...

    lessons.check("2.4", naive_relu_rank3)
    assert capsys.readouterr().out.startswith("Exercise 2.4: no answer yet. Write naive_relu_rank3(x)")

    def naive_relu_rank3(x):
        return x[0, 0, 0, 0]

    lessons.check("2.4", naive_relu_rank3)
    assert capsys.readouterr().out == ("Exercise 2.4: not yet. For a float32 array of shape (2, 3, 4), "
                                       "naive_relu_rank3 raised IndexError: too many indices for array: array is "
                                       "3-dimensional, but 4 were indexed\n")

    def naive_relu_rank3(x):
        np.maximum(x, 0)

    lessons.check("2.4", naive_relu_rank3)
    assert "returned None.\n  Hint: Did you forget the return statement" in capsys.readouterr().out
    lessons.check("2.4", np.zeros((2, 3, 4)))
    assert "pass the function itself" in capsys.readouterr().out
    lessons.check("1.5", lambda sizes: 13)
    assert capsys.readouterr().out == ("Exercise 1.5: not yet. For layer_sizes = [5, 1], count_weights returned: "
                                       "13 where 6 was expected.\n")
    with pytest.raises(KeyError, match="Known exercises: 1.1"):
        lessons.check("9.9", print)


def test_a_judged_case_accepts_any_rule_good_enough_on_new_points(capsys):
    right, text = lessons.EXERCISES["1.4"].verdict(lambda points: (points @ ch1.rotation(-80.0).T)[:, 0] > 0)
    assert right, text
    right, text = lessons.EXERCISES["1.4"].verdict(lambda points: points[:, 0] > 0)
    assert not right and "the rule is right for" in text and "it must reach 95%" in text
    right, text = lessons.EXERCISES["1.4"].verdict(lambda points: True)
    assert not right and "shape ()" in text


def test_check_answer_with_tensors_none_junk_and_unknown_numbers(capsys):
    import minitf as tf

    assert lessons.is_right("2.2", tf.constant(11.0))
    assert not lessons.is_right("2.2", None)
    assert not lessons.is_right("2.2", "eleven")
    assert not lessons.is_right("2.1", 3)
    lessons.check_answer("2.2", None)
    assert "no answer yet" in capsys.readouterr().out
    with pytest.raises(KeyError, match="Known exercises: 1.1"):
        lessons.check_answer("9.9", 1)


def test_a_code_exercise_can_check_a_class_such_as_a_layer(capsys):
    import minitf as tf
    from minitf import keras
    from minitf.lessons.exercises import Case, CodeExercise, register

    class Doubling(keras.layers.Layer):
        def call(self, inputs):
            return 2.0 * inputs

    def output_of(layer_class):
        return layer_class()(tf.constant([[1.0, -2.0]]))

    register(CodeExercise("0.2", "Doubling", "Write a layer that doubles its inputs.", [Case("[[1, -2]]", output_of)],
                          Doubling, explanation="Twice the inputs."))
    try:
        class Halving(keras.layers.Layer):
            def call(self, inputs):
                return inputs / 2.0

        lessons.check("0.2", Halving)
        assert capsys.readouterr().out == ("Exercise 0.2: not yet. For [[1, -2]], Halving returned: 2 of 2 entries are "
                                           "wrong; at index (0, 0): 0.5 where 2 was expected.\n")
        lessons.check("0.2", Doubling)
        assert capsys.readouterr().out == "Exercise 0.2: right, on all 1 hidden cases. Twice the inputs.\n"
        assert "class Doubling(keras.layers.Layer):" in lessons.EXERCISES["0.2"].solution_text()
    finally:
        lessons.EXERCISES.pop("0.2")
