"""The retention dialogue core: what to do next, decided from data, shared by the customer bot and practice mode.

`decide(state, message, facts)` is a pure function: it reads the flow state, what the customer just said (as
the NLU understood it) and what is known about the customer and the catalogue, and returns what to say and
which business steps to take (tickets, proposals, enrolment, outcome). The customer bot's one custom action
saves those steps and says the lines; practice mode asks the same function what a good agent would do now.
"""
