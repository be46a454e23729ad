"""The audit trail: who did what to which object, recorded with the change itself.

Importing the package installs the one recording hook (:mod:`dcaas.audit.hook`).
"""

from dcaas.audit import hook as hook
