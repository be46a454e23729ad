"""Domain-free building blocks: database, crypto, paging, filtering, time."""
