"""Loaders: every benchmark format -> targets as character spans, unlocatable targets listed."""

from .am2ico import load_am2ico
from .cosimlex import load_cosimlex
from .mcl_wic import load_mcl_wic
from .scws import load_paired_lines, load_scws, load_scws_shared_context, load_usim
from .sts import load_sick, load_sts17, load_sts_file, load_sts_year, load_stsb
from .translation_pairs import load_translation_pairs
from .wic import load_wic

__all__ = [
    "load_am2ico",
    "load_cosimlex",
    "load_mcl_wic",
    "load_paired_lines",
    "load_scws",
    "load_scws_shared_context",
    "load_sick",
    "load_sts17",
    "load_sts_file",
    "load_sts_year",
    "load_stsb",
    "load_translation_pairs",
    "load_usim",
    "load_wic",
]
