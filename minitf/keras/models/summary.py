"""``model.summary()``: a table of layers, output shapes and parameter counts, as Keras prints it."""

import numpy as np


def _shape_text(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items()) + "}"
    dims = ["None" if d is None else str(d) for d in shape]
    return "(" + dims[0] + ",)" if len(dims) == 1 else "(" + ", ".join(dims) + ")"


def _count(weights):
    return int(sum(np.prod(tuple(w.shape), dtype=np.int64) for w in weights))


def _row(fields, stops):
    line = ""
    for field, stop in zip(fields, stops):
        line += str(field)
        line += " " * max(stop - len(line), 1)
    return line.rstrip()


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Print (with ``print_fn``, ``print`` by default) the summary table of a built model.

    Raises:
        ValueError: the model is not built, so its layers have no weights or shapes yet.
    """
    if not model.built:
        raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                         "calling the model on a batch of data.")
    print_fn = print_fn or print
    line_length = line_length or 65
    positions = positions or [0.45, 0.85, 1.0]
    stops = [int(line_length * p) if p <= 1 else int(p) for p in positions]
    lines = [f'Model: "{model.name}"', "_" * line_length, " " + _row(["Layer (type)", "Output Shape", "Param #"],
                                                                      [s - 1 for s in stops]), "=" * line_length]
    for layer in model.layers:
        params = layer.count_params() if layer.built else 0
        lines.append(" " + _row([f"{layer.name} ({type(layer).__name__})", _shape_text(layer._output_shape), params],
                                [s - 1 for s in stops]))
        lines.append("")
    lines.append("=" * line_length)
    trainable, non_trainable = _count(model.trainable_weights), _count(model.non_trainable_weights)
    lines += [f"Total params: {trainable + non_trainable:,}", f"Trainable params: {trainable:,}",
              f"Non-trainable params: {non_trainable:,}", "_" * line_length]
    for line in lines:
        print_fn(line)
