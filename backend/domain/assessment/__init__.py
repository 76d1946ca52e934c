"""Assessment (考核评价): counters from the event log, ratios, composite scores and grades.

Pure domain code. What the figures mean and how they are weighted is data
(``backend/data/assessment.toml``, loaded by :mod:`.policy`); :mod:`.counters` names the
base numbers; :mod:`.scoring` turns counters into ratios, scores and grades.
"""
