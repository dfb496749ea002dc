"""meterbill: a self-hostable usage-based billing engine speaking Metronome's v1 contracts API."""

__version__ = "0.1.0"
