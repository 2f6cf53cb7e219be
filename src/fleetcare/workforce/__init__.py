"""The workforce: technicians, courses, the certification ladder, supervision and dispatch."""
