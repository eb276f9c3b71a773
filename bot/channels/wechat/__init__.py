"""The WeChat Official Account (公众号) channel: passive replies to the messages the WeChat server pushes.

`protocol` checks signatures, decrypts and renders XML (with wechatpy); `options` turns the bot's buttons
into numbered text options and back; `conversation` runs a message through the bot once, within WeChat's
5-second window, however many times WeChat retries it. docs/CHANNELS.md explains the set-up and the choices.
"""
