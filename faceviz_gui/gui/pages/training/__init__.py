"""The Training page: train, pause, stop and resume a run, with live curves and results."""
