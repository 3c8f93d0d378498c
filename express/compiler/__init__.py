"""Definitions compiled into ready callables, once; nothing in here awaits."""
