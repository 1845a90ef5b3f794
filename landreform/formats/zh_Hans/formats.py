"""Amounts are grouped in threes with commas in Chinese too (378,000, as on an agreement or a
bank slip); Django's zh_Hans formats group nothing. Everything else is Django's."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
