#!/usr/bin/env python3
"""A format 2 scenario with one escalation ladder of N rungs (and N levers), to measure what
validation and runs cost as expressions grow (docs/performance.md, "Fourteenth round").

Usage: scripts/gen_ladder.py N > ladder.yaml
"""
import os
import sys

n = int(sys.argv[1])
teaching = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scenarios", "teaching.yaml")
print(f"geosim: 2\nextends: {os.path.normpath(teaching)}\nid: big-ladder\ntitle: a ladder of {n} rungs\nlevers:")
for i in range(n):
    print(f'  - {{id: l{i}, kind: military_threat, by: patron_state, target: government, assumption: "generated"}}')
print("ladders:\n  - id: big\n    assumption: generated\n    rungs:")
for i in range(n):
    print(f'      - {{lever: l{i}, up: "t >= {i % 50} && defected_share < 0.5", down: "defected_share >= 0.9"}}')
