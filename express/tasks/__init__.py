"""Task adapters: what a Task state's ``Resource`` is bound to."""
