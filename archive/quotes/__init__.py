"""Quotes: what the press presents as an official's words, whose they are, and whether the
primary text says so.

`find.find_quotes(text)` finds the quotations of an article and their speakers
(`speakers`: one name per person); `compare.check_quote(quote, text)` gives the verdict against
a primary text; `schema` is the `quotes` table (plain SQL) and `listing` what
`mfa-archive quotes` shows. Which primary text each press article reports is the link stage's
decision (archive.link.primary), which records the verdicts. Nothing here is imported by this
`__init__`, so opening an archive loads none of it.
"""
