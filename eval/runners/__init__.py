"""Running trackers on benchmarks (what ``tools/test_tracker.py`` does), one small module per job:

- :mod:`eval.runners.onepass` — the one-pass protocol (OTB, LaSOT, UAV123, GOT-10k);
- :mod:`eval.runners.supervised` — the VOT supervised protocol (restart 5 frames after a failure, 1/2/0 codes);
- :mod:`eval.runners.jobs` — per-protocol jobs: result layout, finished test, atomic publication;
- :mod:`eval.runners.execution` — sharding (``RANK``/``WORLD_SIZE``), worker processes, resume, progress bar;
- :mod:`eval.runners.benchmark` — benchmark name to job, and scoring through :mod:`eval.evaluate`;
- :mod:`eval.runners.submission` — the GOT-10k server's zip.

The rotated benchmark is a sequence wrapper in :mod:`eval.rotated`, so every protocol runs on it unchanged.
"""
