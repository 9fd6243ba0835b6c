"""Django settings: ``base`` for every deployment; ``test`` adds the test overrides.

Nothing here branches on a profile name: the environment (``.env.example``) picks SQLite or
PostgreSQL, the embedded or an external Redis.
"""

from webpanel.settings.base import *  # noqa: F403
