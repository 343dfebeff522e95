"""Tests for common/training.py's draw_batch: the book's batches, from the same seed."""

from common import backend
from common.training import draw_batch

import numpy as np


def test_draw_batch_gives_the_books_np_random_choice_batches():
    for seed, (train_size, batch_size) in enumerate([(60000, 100), (7, 3), (1, 5), (300, 300)]):
        np.random.seed(seed)
        book = [np.random.choice(train_size, batch_size) for _ in range(20)]
        np.random.seed(seed)
        ours = [backend.to_cpu(draw_batch(train_size, batch_size)) for _ in range(20)]
        for expected, got in zip(book, ours):
            np.testing.assert_array_equal(got, expected)
            assert got.dtype == expected.dtype


def test_draw_batch_is_on_the_current_device():
    batch = draw_batch(10, 4)
    assert backend.get_array_module(batch) is backend.get_xp()
    assert batch.shape == (4,)
