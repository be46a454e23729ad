"""Test, browse and preview of a connection: the sub-domain that calls the source.

``endpoints`` (the routes, CallsOut units of work), ``service`` (running a connector's steps,
browse and preview under the outbound policy and timeouts), ``targets`` (what a probe runs
against: a saved connection, an unsaved definition, or a saved one as a JSON Patch would leave
it, with its secrets through the one boundary), ``schemas`` (the answers).
"""
