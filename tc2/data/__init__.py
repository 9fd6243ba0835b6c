"""Market data: bars, price stores, providers, import, validation, collection."""
