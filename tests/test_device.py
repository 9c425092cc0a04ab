"""``minitf.device``: TensorFlow's device strings, on the NumPy backend (the CPU) and on CuPy (GPUs)."""

import pytest

import minitf as tf

numpy_only = pytest.mark.skipif(tf.config.get_backend() != "numpy", reason="the NumPy backend's devices")


@numpy_only
@pytest.mark.parametrize("name", ["CPU", "CPU:0", "/CPU:0", "/device:CPU:0", "cpu:0", "/cpu:0",
                                  "/job:localhost/replica:0/task:0/device:CPU:0", None, ""])
def test_cpu_device_strings_are_accepted_on_numpy(name):
    with tf.device(name):
        x = tf.constant([1.0]) * 2.0
    assert x.device == "/device:CPU:0"


@numpy_only
@pytest.mark.parametrize("name", ["GPU:0", "/GPU:0", "/device:GPU:1", "gpu"])
def test_a_gpu_on_numpy_names_the_fix(name):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"Could not satisfy device specification '{name}': "
                       "minitf is running on NumPy, which has no GPU\n  .*MINITF_BACKEND=cupy"):
        with tf.device(name):
            pass


@numpy_only
def test_devices_that_do_not_exist_say_which_do():
    with pytest.raises(tf.errors.InvalidArgumentError, match="there is no CPU:1\n  minitf sees 1 CPU device"):
        with tf.device("CPU:1"):
            pass
    with pytest.raises(ValueError, match="Unknown device specification 'not a device'"):
        with tf.device("not a device"):
            pass


@pytest.mark.skipif(tf.config.get_backend() != "cupy" or getattr(tf.backend.xp, "__fake__", False),
                    reason="needs the CuPy backend on a GPU (benchmarks/fake_cupy has no devices to select)")
def test_on_cupy_the_device_selects_the_gpu():
    import cupy

    with tf.device("/GPU:0"):
        x = tf.constant([1.0]) + 1.0
        assert cupy.cuda.Device().id == 0
    assert x.device == "/device:GPU:0"
    with pytest.raises(tf.errors.InvalidArgumentError, match="runs every op on the GPU"):
        with tf.device("CPU:0"):
            pass
