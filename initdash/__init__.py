"""initdash: watch neural-network weight-initialization schemes train side by side.

The core is numpy (and pandas for tidy tables) only; the app and the charts live elsewhere.
"""

from . import cost, presets
from .activations import ACTIVATIONS, calculate_gain
from .config import FIELDS, OPTIMIZERS, TrainConfig
from .csvfile import load_csv
from .data import DATASETS, Data, make_dataset, prepare
from .lab import propagate
from .nn import loss_and_grads
from .presets import PRESETS
from .results import Result
from .schemes import SCHEMES, init_params
from .train import Snapshot, Trainer, initial_curves, make_data, run, train

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "FIELDS",
    "OPTIMIZERS",
    "PRESETS",
    "SCHEMES",
    "Data",
    "Result",
    "Snapshot",
    "TrainConfig",
    "Trainer",
    "calculate_gain",
    "cost",
    "init_params",
    "load_csv",
    "loss_and_grads",
    "make_data",
    "make_dataset",
    "prepare",
    "presets",
    "propagate",
    "initial_curves",
    "run",
    "train",
]
