"""Monte-Carlo fleet simulation that proves a stock plan: pure NumPy/Numba, no database."""
