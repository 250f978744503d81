"""likewatch: track the audience counts of public pages during a campaign."""

__version__ = "0.1.0"
