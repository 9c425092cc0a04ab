"""Exercises at the end of each chapter: number answers, code to write, and hidden solutions.

Two kinds of exercise, both registered in ``EXERCISES`` under their number ("2.4"):

- ``NumberExercise``: the learner computes a number (or a shape); ``check_answer(number, answer)``
  says whether it is right, accepts any reasonable form (a Python number, a NumPy value, a
  minitf tensor of one element), and recognises common wrong answers (a right count in the
  wrong form, the book's rounding) to give the hint that fits.
- ``CodeExercise``: the learner writes a function (or a class); ``check(number, function)``
  runs it on hidden cases, compares each result with what the reference solution gives, and
  says which case went wrong and how; a result that matches a known wrong version gets the
  hint written for that mistake.

Every exercise has a solution that does not run in the learner's namespace and stays hidden:
``solution(number)`` checks it quietly (so the chapter's tests keep it right) and only
``solution(number, show=True)`` prints it. A chapter module defines its exercises and adds
them with ``register``:

>>> def double(x):
...     return 2 * x
>>> def add_instead(x):
...     return x + 2
>>> _ = register(CodeExercise("0.1", "double", "Return twice x.", [Case("x = 3", calls(3)), Case("x = -1", calls(-1))],
...                           double, mistakes=[(add_instead, "Multiply by 2; do not add 2.")],
...                           explanation="Twice x."))
>>> def my_double(x):
...     return x + 2
>>> check("0.1", my_double)
Exercise 0.1: not yet. For x = 3, my_double returned: 5 where 6 was expected.
  Hint: Multiply by 2; do not add 2.
>>> check("0.1", lambda x: x * 2)
Exercise 0.1: right, on all 2 hidden cases. Twice x.
>>> solution("0.1")
Solution 0.1 is written and passes its check; lessons.solution("0.1", show=True) prints it.
>>> _ = EXERCISES.pop("0.1")
>>> check_answer("1.3", 13)
Exercise 1.3: right. 2*3 + 3 weights in the hidden layer, 3*1 + 1 in the output layer.
>>> check_answer("1.3", 9)
Exercise 1.3: not yet (9 is not it). Hint: 9 is the count of the weight matrices' entries alone: add one bias per unit.
"""

import contextlib
import copy
import dis
import inspect
import io
import textwrap

import numpy as np

EXERCISES = {}


def register(exercise):
    """Add ``exercise`` to ``EXERCISES`` under its number (replacing an older one) and return it."""
    EXERCISES[exercise.number] = exercise
    return exercise


def find(number):
    """The exercise numbered ``number``.

    Raises:
        KeyError: for a number that does not exist, listing the known ones.
    """
    if number not in EXERCISES:
        raise KeyError(f"No exercise {number!r}. Known exercises: {', '.join(sorted(EXERCISES))}")
    return EXERCISES[number]


def as_array(value):
    """``value`` (a tensor, a variable, a NumPy value, a number, a list) as a NumPy array."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def as_number(value):
    """``value`` as a Python float: a number, a NumPy scalar or a tensor holding exactly one element.

    Raises:
        ValueError: for an array of several numbers.
        TypeError: for something that is not a number.
    """
    array = as_array(value)
    if array.size != 1:
        raise ValueError(f"expected one number, got an array of shape {array.shape}")
    return float(array.reshape(()).item())


def as_shape(value):
    """``value`` as a tuple of ints: a tuple, a list, a ``TensorShape`` or a NumPy shape."""
    if isinstance(value, (int, float, np.integer, str)) or value is None:
        raise TypeError("a shape is a tuple of sizes, like (100, 64)")
    return tuple(int(d) for d in value)


def same(expected, got, tolerance=1e-5):
    """Whether ``got`` equals ``expected``: the same shape and values within ``tolerance``, item by item in tuples."""
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            same(e, g, tolerance) for e, g in zip(expected, got))
    if got is None:
        return expected is None
    try:
        e, g = as_array(expected), as_array(got)
    except (TypeError, ValueError):
        return False
    if e.shape != g.shape:
        return False
    if e.dtype.kind in "fc" or g.dtype.kind in "fc":
        try:
            return bool(np.allclose(e.astype("float64"), g.astype("float64"), rtol=tolerance, atol=tolerance,
                                    equal_nan=True))
        except (TypeError, ValueError):
            return False
    return bool(np.array_equal(e, g))


def shown(value, width=150):
    """A short readable form of a result: arrays with few digits, on one line."""
    if isinstance(value, (tuple, list)) and not isinstance(value, str):
        inner = ", ".join(shown(v, width) for v in value)
        return textwrap.shorten(f"({inner})" if isinstance(value, tuple) else f"[{inner}]", width, placeholder="...")
    if value is None or isinstance(value, (bool, str)):
        return repr(value)
    try:
        array = as_array(value)
    except (TypeError, ValueError):
        return textwrap.shorten(repr(value), width, placeholder="...")
    if array.dtype == object:
        return textwrap.shorten(repr(value), width, placeholder="...")
    if array.ndim == 0:
        return f"{array.item():.6g}" if array.dtype.kind == "f" else repr(array.item())
    text = np.array2string(array, precision=4, separator=", ", threshold=12, edgeitems=2).replace("\n", "")
    return textwrap.shorten(f"{text} (shape {array.shape})", width, placeholder="...")


def difference(expected, got, tolerance=1e-5):
    """Where ``got`` first differs from ``expected``, in words: "9 where 13 was expected", a shape, an entry."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            count = f"{len(got)} items" if isinstance(got, (tuple, list)) else shown(got)
            return f"{count} where {len(expected)} items were expected"
        for i, (e, g) in enumerate(zip(expected, got)):
            if not same(e, g, tolerance):
                return f"item #{i} is wrong: {difference(e, g, tolerance)}"
        return "the expected items"
    try:
        e, g = as_array(expected), as_array(got)
    except (TypeError, ValueError):
        return f"{shown(got)} where {shown(expected)} was expected"
    if e.ndim == 0 or g.dtype == object:
        return f"{shown(got)} where {shown(expected)} was expected"
    if e.shape != g.shape:
        return f"an array of shape {g.shape} where shape {e.shape} was expected"
    if e.dtype.kind in "fc" or g.dtype.kind in "fc":
        wrong = ~np.isclose(e.astype("float64"), g.astype("float64"), rtol=tolerance, atol=tolerance, equal_nan=True)
    else:
        wrong = e != g
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    return (f"{int(wrong.sum())} of {e.size} entries are wrong; at index {index}: "
            f"{shown(g[index])} where {shown(e[index])} was expected")


class NumberExercise:
    """An exercise whose answer is a number (or, with ``shape=True``, a shape).

    Args:
        number: its number in the chapter, e.g. ``"2.3"``.
        expected: the right answer, or a function ``answer -> bool`` when several are right.
        hint: what to say when the answer is wrong and matches no known mistake.
        explanation: what to say when it is right.
        solution: a function of no arguments computing the answer (shown by ``solution``).
        tolerance: how far from ``expected`` an answer may be (0 for counts).
        mistakes: ``{wrong answer: hint}`` for the common wrong answers (compared within ``tolerance``); a key
            may also be a function ``answer -> bool`` recognising a kind of mistake.
        also_right: ``{answer: note}`` for other right answers (the book's rounding), said with the note.
        shape: the answer is a shape, compared as a tuple of ints.
    """

    def __init__(self, number, expected, hint, explanation, solution, tolerance=1e-3, mistakes=None,
                 also_right=None, shape=False):
        self.number, self.expected, self.hint, self.explanation = number, expected, hint, explanation
        self.solution, self.tolerance, self.shape = solution, tolerance, shape
        self.mistakes, self.also_right = dict(mistakes or {}), dict(also_right or {})

    def _matches(self, answer, value):
        if callable(value):
            return bool(value(answer))
        if self.shape:
            return as_shape(answer) == tuple(value)
        return abs(as_number(answer) - value) <= self.tolerance + 1e-9

    def _match_any(self, answer, table):
        for value, text in table.items():
            try:
                if self._matches(answer, value):
                    return text
            except (TypeError, ValueError):
                continue
        return None

    def verdict(self, answer):
        """``(right, text)``: whether ``answer`` is right and what to tell the learner."""
        if answer is None:
            return False, "no answer yet. Replace None with your answer and run the cell again."
        try:
            if self._matches(answer, self.expected):
                return True, f"right. {self.explanation}"
        except (TypeError, ValueError):
            pass
        note = self._match_any(answer, self.also_right)
        if note is not None:
            return True, f"right. {note} {self.explanation}"
        hint = self._match_any(answer, self.mistakes)
        return False, f"not yet ({answer!r} is not it). Hint: {hint or self.hint}"

    def solution_text(self):
        source = textwrap.dedent(inspect.getsource(self.solution))
        return source.replace(f"def {self.solution.__name__}(", f"def exercise_{self.number.replace('.', '_')}(", 1)

    def check_solution(self):
        """Whether the solution's answer passes the check."""
        return self.verdict(self.solution())[0]


class Case:
    """One hidden case of a code exercise: a description and ``run(candidate) -> result``.

    ``run`` gets the learner's function (or class) and returns what is compared: usually the
    function's return value on some inputs (see ``calls``), but it may return anything
    computed with the candidate (a variable's value after an update, a layer's output...).
    With ``judge``, a function ``result -> None or what is wrong``, the result is judged on its
    own instead of compared with the solution's (for tasks with many right answers). ``result``
    names what ``run`` returns in messages (default: "<function> returned").
    """

    def __init__(self, description, run, judge=None, result=None):
        self.description, self.run, self.judge, self.result = description, run, judge, result


def calls(*args, **kwargs):
    """A case's ``run`` that calls the candidate on fresh deep copies of ``args`` and returns its result."""
    def run(candidate):
        return candidate(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    return run


class CodeExercise:
    """An exercise where the learner writes a function (or a class), checked on hidden cases.

    Args:
        number: its number in the chapter, e.g. ``"2.4"``.
        name: the name the learner's function has in the chapter (used in messages and the solution).
        task: one line saying what to write.
        cases: the hidden ``Case`` list; the first few should be simple, so the first failure is easy to read.
        solution: the reference function; each case's expected result is what it gives.
        mistakes: ``[(wrong function, hint)]``: when the learner's result equals the wrong version's on a
            case, that hint is given.
        explanation: said when every case passes.
        tolerance: for comparing floating-point results.
    """

    def __init__(self, number, name, task, cases, solution, mistakes=(), explanation="", tolerance=1e-5):
        self.number, self.name, self.task, self.cases = number, name, task, list(cases)
        self.solution, self.mistakes = solution, list(mistakes)
        self.explanation, self.tolerance = explanation, tolerance

    def failure(self, candidate):
        """What goes wrong when ``candidate`` runs on the hidden cases (the first failing case), or None."""
        name = getattr(candidate, "__name__", self.name)
        if name == "<lambda>":
            name = self.name
        for case in self.cases:
            try:
                got = case.run(candidate)
            except Exception as error:  # the learner's code may raise anything: report it, with the case
                first = str(error).strip().split("\n")[0]
                return (f"For {case.description}, {name} raised {type(error).__name__}: {first}",
                        self._mistake_hint(case, error=error))
            if got is None and self._solution_result(case) is not None:
                return (f"For {case.description}, {name} returned None.",
                        "Did you forget the return statement (or return the result of an in-place method)?")
            if case.judge is not None:
                problem = case.judge(got)
                if problem is None:
                    continue
                return f"For {case.description}, {problem}", self._mistake_hint(case, got=got)
            expected = self._solution_result(case)
            if same(expected, got, self.tolerance):
                continue
            what = case.result or f"{name} returned"
            return f"For {case.description}, {what}: {difference(expected, got)}.", self._mistake_hint(case, got=got)
        return None

    def _solution_result(self, case):
        return case.run(self.solution)

    def _mistake_hint(self, case, got=None, error=None):
        for wrong, hint in self.mistakes:
            try:
                wrong_result = case.run(wrong)
            except Exception as wrong_error:  # a mistake may be "raises this error"
                if error is not None and type(wrong_error) is type(error):
                    return hint
                continue
            if error is None and same(wrong_result, got, self.tolerance):
                return hint
        return None

    def verdict(self, candidate):
        """``(right, text)``: whether ``candidate`` passes every hidden case and what to tell the learner."""
        if candidate is None:
            return False, f"no answer yet. Write {self.name} and pass it to the check."
        if not callable(candidate):
            return False, f"not yet: pass the function itself (check(\"{self.number}\", {self.name})), not its result."
        if _body_is_empty(candidate):
            return False, f"no answer yet. {self.task} Replace the ... in {self.name}'s body and run the cell again."
        found = self.failure(candidate)
        if found is None:
            return True, f"right, on all {len(self.cases)} hidden cases. {self.explanation}".rstrip()
        message, hint = found
        return False, f"not yet. {message}" + (f"\n  Hint: {hint}" if hint else "")

    def solution_text(self):
        source = textwrap.dedent(inspect.getsource(self.solution))
        return source.replace(f"def {self.solution.__name__}(", f"def {self.name}(", 1).replace(
            f"class {self.solution.__name__}(", f"class {self.name}(", 1)

    def check_solution(self):
        return self.failure(self.solution) is None


def _body_is_empty(function):
    """Whether ``function``'s body is only ``...`` (or ``pass``) after its docstring: not written yet.

    The compiler drops a docstring and a bare ``...``, so such a body compiles to "return None" alone.
    """
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    steps = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP")]
    return steps in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def is_right(exercise, answer):
    """Whether ``answer`` to ``exercise`` is right (False for None or an answer of the wrong kind).

    Raises:
        KeyError: for an exercise number that does not exist.
    """
    return find(exercise).verdict(answer)[0]


def check_answer(exercise, answer):
    """Print whether ``answer`` to number exercise ``exercise`` (e.g. ``"2.3"``) is right, with a hint if not.

    Args:
        exercise: the exercise's number as a string, as in the chapter.
        answer: the learner's answer; ``None`` means not answered yet.

    Raises:
        KeyError: for an exercise number that does not exist.
    """
    print(f"Exercise {exercise}: {find(exercise).verdict(answer)[1]}")


def check(exercise, candidate):
    """Run the learner's function (or class) ``candidate`` on exercise ``exercise``'s hidden cases and say how it did.

    Raises:
        KeyError: for an exercise number that does not exist.
    """
    print(f"Exercise {exercise}: {find(exercise).verdict(candidate)[1]}")


def solution(exercise, show=False):
    """Check exercise ``exercise``'s solution quietly and, only with ``show=True``, print it.

    The solution runs in its own module, never in the chapter's namespace, so asking for it
    changes nothing the learner wrote.

    Raises:
        KeyError: for an exercise number that does not exist.
        AssertionError: if the stored solution fails its own check (a bug in minitf.lessons).
    """
    found = find(exercise)
    with contextlib.redirect_stdout(io.StringIO()):
        passes = found.check_solution()
    if not passes:
        raise AssertionError(f"The stored solution of exercise {exercise} fails its own check.")
    if not show:
        print(f"Solution {exercise} is written and passes its check; "
              f"lessons.solution(\"{exercise}\", show=True) prints it.")
        return
    print(f"Solution {exercise}:\n")
    print(found.solution_text().rstrip())
    if isinstance(found, NumberExercise):
        print(f"\n# gives {shown(found.solution())}")
