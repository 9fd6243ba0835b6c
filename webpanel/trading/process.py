"""What a trader process (a program component, spawned) calls to write trade records.

The engine never imports Django; the component target that runs a trader lives in the web
layer, sets Django up once, and hands the engine this recorder (as the job worker does for jobs).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from webpanel.trading.recorder import DjangoTradeRecorder


def process_trade_recorder() -> DjangoTradeRecorder:
    """Set Django up in this process if it is not yet, and return a durable recorder."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    from webpanel.trading.recorder import DjangoTradeRecorder

    return DjangoTradeRecorder(durable=True)
