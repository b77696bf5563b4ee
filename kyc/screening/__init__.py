"""Sanctions and PEP screening: list loaders, normalisation, index, matcher, snapshots.

Entry points: `loaders.load_list`, `index.ScreeningIndex` (`build`, `screen`),
`snapshots.SnapshotStore` and `snapshots.CurrentIndex`; workflow-safe models in `models`.
See docs/screening.md.
"""
