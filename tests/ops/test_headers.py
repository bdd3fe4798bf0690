"""Headers on every answer (no framing, no sniffing, HSTS over TLS when set) and the access log's redaction."""

from __future__ import annotations

from registry.serving import redact_query


def test_api_answers_may_not_be_framed_or_sniffed(client):
    for path in ("/api/v1/docs", "/api/v1/docs/assets/swagger-ui.css", "/api/v1/zones", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_hsts_is_sent_over_tls_when_set(make_app):
    client = make_app(HSTS_SECONDS=31536000).test_client()
    secure = client.get("/healthz", base_url="https://registry.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/healthz").headers  # plain http: never
    unset = make_app("other").test_client().get("/healthz", base_url="https://registry.example")
    assert "Strict-Transport-Security" not in unset.headers


def test_secret_query_values_are_redacted():
    assert redact_query("receipt=abc.def&lang=en") == "receipt=[redacted]&lang=en"
    assert redact_query("q=x&Token=t0k3n&password=") == "q=x&Token=[redacted]&password=[redacted]"
    assert redact_query("zone=CN-TJ-FTZ") == "zone=CN-TJ-FTZ"
