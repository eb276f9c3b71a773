"""Messaging channels with a protocol of their own, each an adapter between the platform and the dialogue service.

The web chat page needs no adapter: it speaks Rasa's REST shape to `/webhooks/rest/webhook` directly.
"""
