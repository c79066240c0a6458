import os
import sys

# Tests import helpers.py from this folder.
sys.path.insert(0, os.path.dirname(__file__))
