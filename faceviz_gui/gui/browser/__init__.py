"""The experiment browser dock: experiments and their runs, details, and the new-experiment form."""
