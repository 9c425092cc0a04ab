"""``keras.trainers``: what ``Model`` inherits to train (compile, fit, evaluate, predict).

    trainer.py        Trainer: compile, the fit/evaluate/predict loops, train_step/test_step/predict_step
    compile_utils.py  what compile() makes of its loss and metrics arguments
"""
