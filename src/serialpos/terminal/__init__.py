"""Store terminals of a chain (issue 16): a local database and journal, synced with central.

The terminal side of ../shared/OFFLINE.md: :mod:`bootstrap` starts a terminal from central's
snapshot, :mod:`journaled` applies lines locally and journals them in the same transaction,
:mod:`sync` pushes the journal and pulls central's feed, :mod:`mirror` applies what others did.
"""
