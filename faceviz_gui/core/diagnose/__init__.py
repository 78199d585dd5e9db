"""Why a run fails on a folder of new faces: sensitivity to each factor, where attention
falls, where the new images differ from the training images, an embedding, the mistakes, and
findings in plain words. ``job.diagnose`` runs it all; ``report_html`` writes the report."""
