"""Who and where: the services, the people and the regions of the fleet."""

from __future__ import annotations

from typing import Final, NamedTuple

import numpy as np


class Service(NamedTuple):
    """A service of the fleet."""

    name: str
    resource: str
    feature: str
    transactional: bool


#: The services, most popular first: (name, API resource, what customers
#: see, whether failures cost transactions).
SERVICES: Final = (
    Service("payment-gateway", "payments", "payment processing", True),
    Service("checkout", "checkout", "checkout", True),
    Service("api-gateway", "requests", "the public API", False),
    Service("user-api", "users", "user accounts", False),
    Service("auth-service", "sessions", "sign-in", False),
    Service("web-frontend", "pages", "the website", False),
    Service("search", "search", "search", False),
    Service("order-service", "orders", "order placement", True),
    Service("subscription-billing", "subscriptions", "subscription billing", True),
    Service("cart", "carts", "shopping carts", True),
    Service("inventory", "inventory", "inventory updates", False),
    Service("catalog", "products", "product pages", False),
    Service("notifications", "notifications", "notifications", False),
    Service("mobile-backend", "devices", "the mobile app", False),
    Service("pricing", "prices", "pricing", False),
    Service("shipping", "shipments", "shipping quotes", False),
    Service("recommendations", "recommendations", "recommendations", False),
    Service("email-sender", "emails", "email delivery", False),
    Service("fraud-detection", "risk-checks", "fraud screening", True),
    Service("ledger", "ledger-entries", "account balances", True),
    Service("invoicing", "invoices", "invoices", True),
    Service("identity", "identities", "single sign-on", False),
    Service("media-upload", "uploads", "file uploads", False),
    Service("image-resizer", "images", "image loading", False),
    Service("fulfillment", "fulfillments", "order fulfillment", False),
    Service("refunds", "refunds", "refunds", True),
    Service("tax-service", "tax-quotes", "tax calculation", True),
    Service("coupon-service", "coupons", "coupons and promotions", True),
    Service("loyalty", "rewards", "loyalty rewards", False),
    Service("reviews", "reviews", "product reviews", False),
    Service("sms-gateway", "messages", "SMS delivery", False),
    Service("webhooks", "webhooks", "webhook delivery", False),
    Service("reporting", "reports", "reports", False),
    Service("analytics-ingest", "events", "analytics", False),
    Service("data-pipeline", "jobs", "data exports", False),
    Service("admin-portal", "admin", "the admin portal", False),
    Service("customer-support", "tickets", "customer support tools", False),
    Service("chat-service", "conversations", "chat", False),
    Service("geo-location", "locations", "location lookup", False),
    Service("scheduler", "schedules", "scheduled jobs", False),
    Service("audit-log", "audit-events", "audit logs", False),
    Service("graphql-gateway", "graphql", "the GraphQL API", False),
    Service("partner-api", "partners", "the partner API", False),
    Service("feature-flags", "flags", "feature configuration", False),
    Service("session-store", "session-tokens", "staying signed in", False),
    Service("cdn-edge", "assets", "static content", False),
    Service("warehouse-sync", "stock-levels", "stock levels", False),
    Service("billing-api", "accounts", "billing", True),
    Service("payouts", "payouts", "merchant payouts", True),
    Service("kyc-verification", "verifications", "identity verification", False),
)

_ACRONYMS: Final = {"api": "API", "sms": "SMS", "cdn": "CDN", "kyc": "KYC"}


def _display(name: str) -> str:
    return " ".join(_ACRONYMS.get(word, word.title()) for word in name.split("-"))


DISPLAY: Final = tuple(_display(service.name) for service in SERVICES)
# Zipf with exponent 1: a few services have most incidents, as in real fleets.
POPULARITY: Final = tuple(
    (1.0 / rank) / sum(1.0 / r for r in range(1, len(SERVICES) + 1))
    for rank in range(1, len(SERVICES) + 1)
)
POPULARITY_CUM: Final = tuple(float(x) for x in np.cumsum(POPULARITY))
# Users per service, fixed per service so that affected counts stay
# comparable across incidents: 30 thousand to 3 million.
USER_BASE: Final = tuple(
    int(10 ** (4.5 + 2.0 * ((i * 0.6180339887498949) % 1.0)))
    for i in range(len(SERVICES))
)

# 61 is prime, so any stride through the list visits distinct names.
PEOPLE: Final = (
    "Jane Smith", "Alice Chen", "Bob Kim", "Carol Davis", "David Okafor",
    "Emma Johansson", "Farid Haddad", "Grace Liu", "Hiro Tanaka", "Isabel Moreno",
    "Jamal Wright", "Katarzyna Nowak", "Liam O'Brien", "Maya Patel", "Nikolai Ivanov",
    "Olivia Brown", "Pedro Alves", "Quinn Murphy", "Rania Aziz", "Samuel Osei",
    "Tara Singh", "Umar Farouk", "Valentina Rossi", "Wei Zhang", "Ximena Ruiz",
    "Yusuf Demir", "Zoe Martin", "Ahmed Karim", "Beatriz Costa", "Chen Wei",
    "Daniel Fischer", "Elena Popescu", "Fatima Bello", "George Miller", "Hana Sato",
    "Ivan Petrov", "Julia Schmidt", "Kwame Mensah", "Laura Garcia", "Mohammed Ali",
    "Nora Lindqvist", "Oscar Diaz", "Priya Raman", "Rafael Souza", "Sofia Greco",
    "Thomas Dubois", "Uma Iyer", "Victor Hugo Lima", "Wanjiru Kamau", "Yara Haddad",
    "Aiko Yamamoto", "Ben Carter", "Chloe Lambert", "Diego Torres", "Eva Novak",
    "Felix Wagner", "Gabriela Silva", "Henrik Larsen", "Ines Ferreira", "Jonas Berg",
    "Kenji Mori",
)  # fmt: skip


def email(name: str) -> str:
    parts = name.lower().replace("'", "").split()
    return f"{parts[0]}.{parts[-1]}@company.com"


REGIONS: Final = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
)
PROVIDERS: Final = (
    "the payment processor",
    "the SMS provider",
    "the email delivery provider",
    "the CDN provider",
    "the identity provider",
    "the maps API provider",
)
FLAGS: Final = ("{r}_v2_flow", "new_{r}_page", "{r}_batching", "async_{r}")
