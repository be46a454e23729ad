"""The engine endpoints (the data plane: where a connection's secret leaves dcaas), the
records of what they released, the engine instances and the Direct Access gateways."""
