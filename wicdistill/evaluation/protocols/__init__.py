"""Protocols: how the vectors of a task's pairs become the numbers of its three report rows."""
