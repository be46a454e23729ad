"""The SQL engine layer and the SQL data sources built on it.

* :mod:`.engine`: what one engine declares (:class:`~.engine.Engine`);
* :mod:`.layer`: test steps, browse and preview for every engine;
* :mod:`.worker`: sync drivers in worker threads, resolving names through the policy;
* :mod:`.dbapi`: a DB-API connection as a session;
* one module per engine: its properties, how they become a driver connection, and the
  queries that differ. :data:`SQL_SOURCES` lists their catalog entries.
"""
