"""Rewrite the demo studies' data from its recipe: ``python scripts/demo``.

The recipe is the repository's, not the package's: only the demo studies under
``studies/`` use it, and a test checks that the committed files are what it makes.
"""

from recipe import write

for path in write():
    print(path)
