"""Widgets, plots and exercise checks that the chapter notebooks in ``chapters/`` show.

Everything a notebook displays is built here, so it can be read, reused and tested
without a browser: create a widget, set a slider's ``.value`` or call a button's
``.click()``, and look at its state, its text output or its picture.

This is the only part of minitf that imports ipywidgets and matplotlib, and
``import minitf`` does not import it: use ``from minitf import lessons``.

    ch1.py        the representation explorer, the "three figures" stepper, a trained network's layers, ImageNet
    ch2.py        a 2-D tensor operation as geometry, gradient descent on a 1-D loss, SGD paths on a 2-D loss
    ch3.py        Gaussian clouds and a linear-classifier trainer that says when it diverges
    (each chN.py also defines its chapter's exercises and their solutions)
    ch4.py        a synthetic regression data set, the Huber figure, a function you can watch retrace
    ch5.py        chapter 5's exercises only (its widget is TapeView)
    graph_picture.py  a tape's record or a traced graph drawn as boxes and arrows; FunctionGraphView
    tapeview.py   TapeView: the backward pass of a tape, stepped one op at a time on that picture
    exercises.py  the exercises: check_answer for numbers, check for code, solution to check or show one
    widgets.py    the base class: controls, a status line, a picture redrawn off-screen, a static snapshot
"""

from minitf.lessons import ch5  # noqa: F401  (registers chapter 5's exercises)
from minitf.lessons.ch1 import (  # noqa: F401
    IMAGENET_TOP5_ERROR,
    RepresentationExplorer,
    ThreeFigures,
    imagenet_chart,
    tilted_clouds,
)
from minitf.lessons.ch2 import GradientDescent1D, TensorGeometry  # noqa: F401
from minitf.lessons.ch3 import LinearClassifierTrainer, gaussian_clouds  # noqa: F401
from minitf.lessons.ch4 import RetraceWatcher, huber_figure, regression_data  # noqa: F401
from minitf.lessons.exercises import EXERCISES, check, check_answer, is_right, solution  # noqa: F401
from minitf.lessons.graph_picture import FunctionGraphView  # noqa: F401
from minitf.lessons.tapeview import TapeView  # noqa: F401
from minitf.lessons.widgets import Lesson, png_bytes  # noqa: F401
