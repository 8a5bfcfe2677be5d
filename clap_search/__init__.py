"""clap-search: index a sound library with a CLAP model and search it by text or by sound."""

import os

# The same file gives the same vectors whatever the thread count: MKL (torch's BLAS on x86) splits
# a matrix product differently for, say, 3 threads than for 1 or 2, which moved the default
# model's vectors by ~1e-8. Its strict "conditional numerical reproducibility" mode does not.
# Read when MKL starts, so set before torch does any work; a value already set is kept.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")

__version__ = "0.1.0"
