"""The Diagnose page: why a run fails on a folder of new faces (core/diagnose), one run or two
side by side on the same folder."""
