"""Practice mode (issue #12): the trainee plays the retention agent against a simulated customer.

One call goes: a scenario (`scenario`: a customer from the database, the real leave reason, the need, the
temperament, the difficulty, a seed) → the simulated customer speaks (`simulator`, with lines from the customer
NLU data that the customer model reads back as meant: `lines`, `readback`) → the trainee replies → the reply's
agent acts are recognised (`acts`) → the customer bot's own flow says what it would have done (`coach`: the
expected act and the corpus line for it) → the rubric judges the turn (`scorer`) → the customer reacts. `call`
holds one call's state as JSON, so a web call can continue on any instance; `storage` writes it to the
conversation and turn tables. Rules, weights and the seed passage of every rubric point: docs/PRACTICE_RUBRIC.md.
"""
