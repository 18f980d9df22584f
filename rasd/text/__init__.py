"""The Arabic text layer: normalisation, offset-preserving alignment, tokens.

Every component compares Arabic in one matching form (``normalize_ar``) and
reports spans in the original text through ``align_normalize``/``tokenize``.
"""
