"""Data sets for the course.  MNIST lives in ``dataset.mnist``:

    from dataset.mnist import load_mnist   # the book's loader, same arguments and results
    from dataset.mnist import init_mnist   # the book's name for filling the cache once
    from dataset.mnist import download_mnist  # the book's other name for it

Only ``common`` is imported here, first, so that Ctrl-C and SIGTERM end
``python -m dataset.mnist`` in one line too (see ``common/signals.py``).
"""

import common  # noqa: F401
