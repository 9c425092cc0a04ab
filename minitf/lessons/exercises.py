"""Exercises at the end of each chapter, and ``check_answer`` to say whether an answer is right.

Each exercise has a checker (a function of the learner's answer), a hint shown when
the answer is wrong, and a short explanation shown when it is right. Checkers accept
any reasonable form of the answer: a Python number, a NumPy value or a minitf tensor.

>>> check_answer("1.3", 13)
Exercise 1.3: right. 2*3 + 3 weights in the hidden layer, 3*1 + 1 in the output layer.
>>> check_answer("1.3", None)
Exercise 1.3: no answer yet. Replace None with your answer and run the cell again.
>>> is_right("1.3", 12)
False
"""

import numpy as np


def _number(answer):
    return float(np.asarray(answer.numpy() if hasattr(answer, "numpy") else answer).item())  # (1,) or (1, 1) too


def _close(expected, tolerance=1e-3):
    return lambda answer: abs(_number(answer) - expected) <= tolerance


def _shape(expected):
    return lambda answer: tuple(int(d) for d in answer) == expected


def _separating_angle(answer):
    from minitf.lessons.ch1 import rotation, tilted_clouds

    points, labels = tilted_clouds()
    new_x = (points @ rotation(_number(answer)).T)[:, 0]
    return bool(np.all((new_x > 0) == (labels == 1)))


EXERCISES = {
    "1.1": (_separating_angle,
            "Rotate only (shear 0, threshold 0) and watch the status line; the orange points must all end up "
            "right of the line.",
            "Every point is classified right: a turn of the axes alone made the rule work."),
    "1.2": (_close(9.4, 0.05),
            "Look up 2011 and 2012 in IMAGENET_TOP5_ERROR and subtract.",
            "25.8% - 16.4% = 9.4 points, the largest one-year drop in the challenge's history."),
    "1.3": (_close(13, 0),
            "Count a weight matrix's entries (inputs x units) and one bias per unit, for both layers.",
            "2*3 + 3 weights in the hidden layer, 3*1 + 1 in the output layer."),
    "2.1": (_shape((37, 64)),
            "1,437 flattened images of 64 pixels in batches of 100: how many are left for the last batch?",
            "14 full batches hold 1,400 images, so the 15th and last holds the remaining 37."),
    "2.2": (_close(11.0),
            "Differentiate term by term, or let a GradientTape do it at x = 1.5.",
            "f'(x) = 6x + 2, so f'(1.5) = 11."),
    "2.3": (_close(38410, 0),
            "A Dense layer has inputs x units weights plus units biases; add both layers.",
            "64*512 + 512 + 512*10 + 10 = 38,410 parameters, as model.count_params() says."),
    "3.1": (_close(22.6, 1e-2),
            "The speed is the derivative of the position; an inner GradientTape computes it.",
            "speed(t) = 9.8 t + 3, so 22.6 at t = 2."),
    "3.2": (_close(2080, 0),
            "build() creates a kernel of shape (features, units) and a bias of shape (units,).",
            "64*32 + 32 = 2,080 weights, created when the layer first sees its input's shape."),
    "3.3": (_close(2.0),
            "On the x-axis y = 0, so solve w0 * x + b = 0.5 for x.",
            "(0.5 - 0.1) / 0.2 = 2: the line crosses the x-axis at x = 2."),
    "4.1": (_close(36.0),
            "Differentiate twice with respect to w1: two nested GradientTapes, or by hand.",
            "d2f/dw1^2 = 6 w1 w2 = 6 * 2 * 3 = 36."),
    "4.2": (_close(4, 0),
            "A tensor's signature is its dtype and shape; a Python value's is the value itself.",
            "One trace for float32 scalars, one for the vector of shape (2,), one for 3 and one for 4."),
    "4.3": (_close(4.0),
            "Beyond the threshold the loss is threshold * |error| - threshold**2 / 2.",
            "|error| = 3 > 2, so 2 * 3 - 2**2 / 2 = 4: the loss grows linearly, not quadratically."),
}


def is_right(exercise, answer):
    """Whether ``answer`` to ``exercise`` is right (False for None or an answer of the wrong kind).

    Raises:
        KeyError: for an exercise number that does not exist.
    """
    if exercise not in EXERCISES:
        raise KeyError(f"No exercise {exercise!r}. Known exercises: {', '.join(EXERCISES)}")
    if answer is None:
        return False
    try:
        return bool(EXERCISES[exercise][0](answer))
    except (TypeError, ValueError):
        return False


def check_answer(exercise, answer):
    """Print whether ``answer`` to ``exercise`` (e.g. ``"2.3"``) is right, with a hint if it is not.

    Args:
        exercise: the exercise's number as a string, as in the chapter.
        answer: the learner's answer; ``None`` means not answered yet.

    Raises:
        KeyError: for an exercise number that does not exist.
    """
    right = is_right(exercise, answer)
    _, hint, explanation = EXERCISES[exercise]
    if answer is None:
        print(f"Exercise {exercise}: no answer yet. Replace None with your answer and run the cell again.")
    elif right:
        print(f"Exercise {exercise}: right. {explanation}")
    else:
        print(f"Exercise {exercise}: not yet ({answer!r} is not it). Hint: {hint}")
