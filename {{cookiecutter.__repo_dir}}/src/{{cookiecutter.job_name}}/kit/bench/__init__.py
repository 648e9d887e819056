"""Benchmark support: time the job against a hand-written reference of the same logic, on the same inputs.

``harness`` runs the variants as subprocesses, in alternating order, and measures wall clock and peak memory
(the whole process tree, Spark's JVM included); it compares their outputs and prints the ratio table.
``profile`` reads Spark's event log of a run, to show which Spark jobs the time went to.
"""
