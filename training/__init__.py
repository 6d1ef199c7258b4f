"""Training: joins ``datasets`` (pairs) and ``models`` (networks, the IEN term); the only room with optimisers
and training state. Entry point: :func:`training.trainer.train` (``tools/train_tracker.py``); configs in
:mod:`training.config`; the per-batch objective of the ``plain``/``rotaug``/``ien`` modes in
:mod:`training.objective`; checkpoints in :mod:`training.checkpoint`; processes in :mod:`training.distributed`."""
