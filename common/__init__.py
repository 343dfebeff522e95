"""The course's shared package: functions, layers, networks, optimizers, training, backend.

Importing it sets NumPy's BLAS to one thread, which is fastest for the course's small
matrices on a busy machine; ``DLFS_CPU_THREADS`` overrides (see ``common/threads.py``).
"""

from common import threads as _threads

_threads.apply_environment()
