"""Example state machines shipped with express (``express/examples/*.asl.json``)."""
