"""App data: customers, usage, offers, churn scores, tickets, conversations and turns (SQLAlchemy 1.4, 2.0 style)."""
