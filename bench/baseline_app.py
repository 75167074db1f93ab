"""The ceiling for HTTP on this machine: a bare FastAPI JSON endpoint, served like the services."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    description: str
    category: str | None = None
    grid: str | None = None
    channel: str = "external"


@app.post("/v1/reports", status_code=202)
async def accept(body: Body) -> dict[str, str]:
    return {"case_id": "00000000-0000-0000-0000-000000000000", "grid": body.grid or "", "status": "received"}
