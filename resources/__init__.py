"""Data files of Contact Uploader: message tables, header aliases, icons, the style sheet.

A package only so that a wheel carries these files and :mod:`core.resources` finds them through
``importlib.resources``; it holds no code. ``OWNER`` tells our folder apart from any other distribution's
top-level ``resources`` package.
"""

OWNER = "contact-uploader"
