"""Data sets for the course.  MNIST lives in ``dataset.mnist``:

    from dataset.mnist import load_mnist

(Nothing is imported here, so ``python -m dataset.mnist`` runs cleanly.)
"""
