"""Verified identity (docs/CHANNELS.md): a customer is who a channel vouches for or who proved the number.

- `signing`: `metadata.phone` signed by the operator's logged-in site (HMAC with CHANNEL_IDENTITY_SECRET).
- `codes`: one-time codes in the app database — expiry, attempt limit, rate limits per number and per sender.
- `sms`: who sends the code: the operator's HTTP gateway, or the development sender's outbox table.

A number typed, or passed unsigned, is only a claim; the custom action (actions/_identity.py) sends a code to
it and treats the sender as that customer once the code comes back.
"""
