"""TC2's web layer: a thin Django project whose views call services that call ``tc2``."""
