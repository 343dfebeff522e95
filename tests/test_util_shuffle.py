"""common.util.shuffle_dataset refuses examples and labels of different lengths (issue 22)."""

from common.util import shuffle_dataset

import numpy as np
import pytest


@pytest.mark.parametrize("x_rows, t_rows", [(5, 3), (3, 5)])
def test_shuffle_dataset_refuses_unequal_lengths(x_rows, t_rows):
    # (5, 3) was NumPy's IndexError; (3, 5) silently dropped two labels
    with pytest.raises(ValueError, match=f"x has {x_rows} rows but t has {t_rows}"):
        shuffle_dataset(np.zeros((x_rows, 2)), np.zeros(t_rows))
