"""Heatmap test helpers: a shown widget at the Translate tab's default size, and alignments with peaked rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from desktop_app.alignment import Alignment


def shown_heatmap(qtbot):
    """A HeatmapWidget at about its share of the Translate tab in a default window, shown and exposed."""
    from desktop_app.gui.heatmap import HeatmapWidget

    widget = HeatmapWidget()
    widget.resize(900, 350)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def peaked_alignment(
    source: Sequence[str],
    output: Sequence[str],
    aligned: Sequence[Sequence[int]],
    rows: int | None = None,
    seed: int = 0,
) -> Alignment:
    """The first `rows` output pieces, each attending to its `aligned` source pieces (a little noise elsewhere)."""
    rng = np.random.default_rng(seed)
    alignment = Alignment(list(source))
    count = len(output) if rows is None else rows
    for piece, sources in zip(output[:count], aligned[:count], strict=True):
        row = rng.random(len(source)).astype(np.float32) * 0.05
        row[list(sources)] += 1.0
        alignment.append(piece, row / row.sum())
    return alignment
