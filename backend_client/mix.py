"""The report mix: which kinds of problem come in, and how often.

One table for the live simulator and the history seeder.  Shares follow the published
figures in domain.md §6–7 (Tianmen: matters 97.5% of filed cases; city appearance and
street order dominate); the within-class weights are modelling assumptions.
"""

from __future__ import annotations

MATTER_SHARE = 0.975  # Tianmen: events 97.5% of filed cases, components 2.5%
MATTER_CLASSES = {
    "06": 40.0,
    "09": 30.0,
    "07": 10.0,
    "08": 8.0,
    "10": 4.0,
    "01": 3.0,
    "02": 2.0,
    "03": 2.0,
    "04": 1.0,
    "05": 0.5,
}
COMPONENT_CLASSES = {"01": 75.0, "02": 12.0, "03": 7.0, "04": 5.0, "05": 1.0}
COMMON_COMPONENTS = ("井盖", "路灯")  # within 01, the usual suspects
