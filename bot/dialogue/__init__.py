"""The customer dialogue at run time: the Rasa agent, its custom actions in-process, stores and transcripts.

- `service.DialogueService`: load the customer model once, `handle(sender_id, text, channel=..., metadata=...)`
  for every channel;
- `action_endpoint`: rasa_sdk's ActionExecutor behind Rasa's action-endpoint interface (or ACTION_ENDPOINT_URL);
- `stores`: tracker store (TRACKER_STORE_URL) and lock store (LOCK_STORE_URL);
- `transcripts`: every customer and bot message as a Turn of the app database, written under the sender's lock.
"""

from bot.dialogue.action_endpoint import InProcessActionEndpoint, action_endpoint_from_settings
from bot.dialogue.service import ActionStatus, DialogueService, StoreStatus
from bot.dialogue.transcripts import RecordingTrackerStore, TranscriptRecorder, conversation_channel

__all__ = [
    "ActionStatus",
    "DialogueService",
    "InProcessActionEndpoint",
    "RecordingTrackerStore",
    "StoreStatus",
    "TranscriptRecorder",
    "action_endpoint_from_settings",
    "conversation_channel",
]
