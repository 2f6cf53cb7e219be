"""The workforce: technicians, training, certification, supervision and dispatch."""
