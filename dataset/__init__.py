"""Data sets for the course.  MNIST lives in ``dataset.mnist``:

    from dataset.mnist import load_mnist   # the book's loader, same arguments and results
    from dataset.mnist import init_mnist   # the book's name for filling the cache once

(Nothing is imported here, so ``python -m dataset.mnist`` runs cleanly.)
"""
