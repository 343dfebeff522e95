"""Exercises for chapters 3 to 6 that check themselves (see exercises/README.md).

python -m exercises start ch05        # your copy of the stubs, in my_exercises/
python -m exercises check ch05        # what passes, and for what fails, why
"""
