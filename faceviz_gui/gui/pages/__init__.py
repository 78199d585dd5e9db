"""One package per work-area page; a page imports no other page (import-linter checks it).
What two pages share lives in gui/widgets, gui/jobs.py or gui/context.py."""
