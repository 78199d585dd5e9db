"""The Gallery page: every layer's HappyMaps for a run, the detail view, and gallery export."""
