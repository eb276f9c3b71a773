"""Custom Rasa NLU components and the parse service for Chinese customer and agent messages."""
