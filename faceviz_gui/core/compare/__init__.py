"""Did two networks learn the same thing? Linear CKA, one-to-one unit matching and a verdict."""
