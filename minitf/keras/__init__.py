"""minitf.keras: layers, models, losses, optimizers, metrics and training, as tf.keras."""
