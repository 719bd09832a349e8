"""Exports (headless; no Qt): the HSD tables for HPMS and the corrective action package (PDF)."""
