"""Stand-ins for the travel and car-rental partners (the real services are not reachable
here): small FastAPI apps with Korean data, run on loopback by the tests.

    python -m tests.skills.partner_stubs travel PORT
    python -m tests.skills.partner_stubs car_rental PORT TOKEN
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

HOTELS = {
    "부산": [
        {"name": "해운대 오션호텔", "area": "해운대", "price_per_night": 180000, "rating": 4.6},
        {"name": "광안리 스테이", "area": "광안리", "price_per_night": 95000, "rating": 4.2},
    ],
    "제주": [{"name": "제주 한라호텔", "area": "제주시", "price_per_night": 150000, "rating": 4.4}],
    "Seoul": [
        {"name": "Myeongdong Inn", "area": "Jung-gu", "price_per_night": 120000, "rating": 4.1}
    ],
}
CARS = {
    "제주": [
        {"car_id": "JE-101", "model": "아반떼", "price_per_day": 55000, "seats": 5},
        {"car_id": "JE-204", "model": "카니발", "price_per_day": 120000, "seats": 9},
    ]
}


def travel() -> FastAPI:
    app = FastAPI()
    calls: list[str] = []

    @app.get("/hotels")
    def hotels(city: str, nights: int = 1, checkin: str | None = None) -> list[dict[str, Any]]:
        calls.append(f"hotels {city} {nights}")
        if city not in HOTELS:
            raise HTTPException(404, f"'{city}'에는 제휴 호텔이 없습니다")
        return [{**h, "total": h["price_per_night"] * nights} for h in HOTELS[city]]

    @app.get("/flights")
    def flights(origin: str, destination: str, date: str | None = None) -> list[dict[str, Any]]:
        calls.append(f"flights {origin} {destination}")
        return [
            {
                "flight": "KE1203",
                "airline": "대한항공",
                "departs": "08:05",
                "arrives": "09:15",
                "route": f"{origin}→{destination}",
                "price": 89000,
            },
            {
                "flight": "7C105",
                "airline": "제주항공",
                "departs": "10:30",
                "arrives": "11:40",
                "route": f"{origin}→{destination}",
                "price": 54000,
            },
        ]

    @app.get("/calls")
    def seen() -> list[str]:
        return calls

    return app


class ReservationRequest(BaseModel):
    car_id: str
    date: str
    days: int = 1


def car_rental(token: str) -> FastAPI:
    app = FastAPI()
    reservations: dict[str, dict[str, Any]] = {}

    def check(authorization: str | None) -> None:
        if authorization != f"Bearer {token}":
            raise HTTPException(401, "인증이 필요합니다")

    @app.get("/cars")
    def cars(location: str, authorization: str | None = Header(None)) -> list[dict[str, Any]]:
        check(authorization)
        return CARS.get(location, [])

    @app.post("/reservations", status_code=201)
    def reserve(body: ReservationRequest, authorization: str | None = Header(None)) -> Any:
        check(authorization)
        car = next((c for cs in CARS.values() for c in cs if c["car_id"] == body.car_id), None)
        if car is None:
            raise HTTPException(404, f"차량 {body.car_id}을(를) 찾을 수 없습니다")
        rid = f"R-{1001 + len(reservations)}"
        reservations[rid] = {
            "reservation_id": rid,
            **body.model_dump(),
            "model": car["model"],
            "total_price": car["price_per_day"] * body.days,
            "status": "예약됨",
        }
        return reservations[rid]

    @app.delete("/reservations/{rid}")
    def cancel(rid: str, authorization: str | None = Header(None)) -> Any:
        check(authorization)
        if rid not in reservations:
            raise HTTPException(404, f"예약 {rid}이(가) 없습니다")
        reservations[rid]["status"] = "취소됨"
        return reservations[rid]

    @app.get("/reservations")
    def listed(authorization: str | None = Header(None)) -> list[dict[str, Any]]:
        check(authorization)
        return list(reservations.values())

    return app


if __name__ == "__main__":
    kind, port = sys.argv[1], int(sys.argv[2])
    app = travel() if kind == "travel" else car_rental(sys.argv[3])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
