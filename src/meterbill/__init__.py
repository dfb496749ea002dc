"""meterbill: a self-hostable usage-based billing engine speaking Metronome's v1 contracts API."""

__version__ = "0.1.0"

# NOTE: every thread's decimal arithmetic gets 60 significant digits instead of Python's 28, so
# that sums and products of exact amounts never round (see meterbill.core.rounding). Threads
# created later copy DefaultContext; the importing thread gets it now.
import decimal as _decimal

_decimal.DefaultContext.prec = 60
_decimal.getcontext().prec = 60
