"""Which price store an environment type uses: the factory over the store's backends.

It sits above ``store.py`` (the interface) and the backends that implement it (``file_store.py``,
``mongo_store.py``), as ``history_provider_from_environ`` sits above the providers, so the
interface never imports an implementation.
"""

from __future__ import annotations

from pathlib import Path

from tc2.data.file_store import FilePriceStore
from tc2.data.store import PriceStore
from tc2.env.env_type import EnvType
from tc2.errors import ConfigurationError

FILES_STORE = "files"
"""``TC2_PRICE_STORE`` value (or empty) selecting the embedded columnar-file store."""

UNKNOWN_STORE_MESSAGE = "TC2_PRICE_STORE must be empty, 'files' or a mongodb:// URL, was {url}"


def price_store_for(env_type: EnvType, *, data_dir: Path, url: str = FILES_STORE) -> PriceStore:
    """Return the price store of one environment type, chosen by ``TC2_PRICE_STORE``.

    Parameters
    ----------
    env_type
        Its value is the store's namespace, so a simulation never touches LIVE bars.
    data_dir
        ``TC2_DATA_DIR``; the file store lives under ``<data_dir>/prices/<namespace>/``.
    url
        ``TC2_PRICE_STORE``: empty or ``"files"`` for the embedded columnar-file store, or a
        ``mongodb://``/``mongodb+srv://`` URL for MongoDB (collection ``bars_<namespace>`` in
        the URL's database, ``tc2`` when it names none).

    Raises
    ------
    ConfigurationError
        If ``url`` names a store that is not available or is not a usable MongoDB URL; the
        message never repeats a URL, which may hold a password.
    """
    if url.strip() in ("", FILES_STORE):
        return FilePriceStore(data_dir / "prices", env_type.value)
    if url.strip().startswith(("mongodb://", "mongodb+srv://")):
        # Imported here so a deployment on the files store never loads pymongo.
        from tc2.data.mongo_store import MongoPriceStore

        return MongoPriceStore(url.strip(), env_type.value)
    raise ConfigurationError(UNKNOWN_STORE_MESSAGE.format(url=_without_credentials(url)))


def _without_credentials(url: str) -> str:
    # A database URL may carry a password, and error messages end up in logs.
    scheme, separator, _ = url.partition("://")
    return f"a {scheme}:// URL" if separator else repr(url)
