"""The web console: a single-page app served by ``dcaas serve`` at ``/``, its session
(an API key or OpenID Connect sign-in exchanged for an HttpOnly cookie), the offline API docs,
and the pages shown to a browser at the end of an OAuth or sign-on redirect.

``dcaas.console.web.install(app)`` wires it in. The page's sources are in ``console/`` at the
top of the repository; ``npm run build`` writes them to ``static/`` here (not committed).
"""
