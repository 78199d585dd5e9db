"""The Compare page: CKA between two runs' layers, matched units side by side, a verdict."""
