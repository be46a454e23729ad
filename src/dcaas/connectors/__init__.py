"""The connector catalog: each data source declares its properties once, here.

Secret flags on those declarations drive everything else: what is split into the
encrypted credential record, what is masked in responses and redacted in logs, and
the ``x-secret`` / ``writeOnly`` markers in the api-spec.
"""

from dcaas.connectors.registry import all_data_sources, get_data_source
from dcaas.connectors.spec import ConnectorProperties, DataSource, SplitProperties

__all__ = [
    "ConnectorProperties",
    "DataSource",
    "SplitProperties",
    "all_data_sources",
    "get_data_source",
]
