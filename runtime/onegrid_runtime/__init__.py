"""The small runtime every OneGrid service shares. One module per concern:

settings (pydantic-settings base), db (async sessions owned by the request or message handler),
outbox (transactional outbox + relay), consumer (Kafka consumer loop with inbox dedupe and
dead-letter topic), errors (RFC 9457 problem details), auth (signed bearer tokens with role and
scope), health (/healthz, /readyz), logs (JSON logs with the case id), migrations (Alembic),
service (the FastAPI lifespan that wires them together).
"""
